import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { AdminRoleRequired } from './access.decorator';
import { AdminKeysService } from './admin-keys.service';
import { AdminKeyIdParamDto, CreateAdminKeyDto } from './dto/admin-key.dto';

/** Owners: per-person admin keys. The key is in the create response only. */
@ApiTags('auth')
@ApiBearerAuth()
@AdminRoleRequired('owner')
@Controller('api/v1/admin-keys')
export class AdminKeysController {
  constructor(private readonly keys: AdminKeysService) {}

  @Post()
  @ApiDoc('Create an admin key for a person, with a role (the key is in this response only)', {
    status: 201,
    returns: 'CreatedAdminKey',
    errors: [409],
  })
  @Header('Cache-Control', 'no-store')
  create(@Body() dto: CreateAdminKeyDto) {
    return this.keys.create(dto.name, dto.role);
  }

  @Get()
  @ApiDoc('List admin keys (without the keys)', { returns: 'AdminKeyList' })
  list() {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiDoc('Revoke an admin key, at once', { status: 204 })
  @HttpCode(204)
  revoke(@Param() params: AdminKeyIdParamDto) {
    return this.keys.revoke(params.id);
  }
}
