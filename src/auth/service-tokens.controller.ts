import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateServiceTokenDto, ServiceTokenIdParamDto } from './dto/service-token.dto';
import { ServiceTokensService } from './service-tokens.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

/** Admin: tokens for SDKs in other services. The token is in the create response only. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/v1/service-tokens')
export class ServiceTokensController {
  constructor(private readonly tokens: ServiceTokensService) {}

  @Post()
  @ApiDoc('Create a service token (the token is in this response only)', { status: 201, returns: 'CreatedServiceToken' })
  @Header('Cache-Control', 'no-store')
  create(@Body() dto: CreateServiceTokenDto) {
    return this.tokens.create(dto.name);
  }

  @Get()
  @ApiDoc('List service tokens (without the tokens)', { returns: 'ServiceTokenList' })
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @ApiDoc('Revoke a service token, at once', { status: 204 })
  @HttpCode(204)
  revoke(@Param() params: ServiceTokenIdParamDto) {
    return this.tokens.revoke(params.id);
  }
}
