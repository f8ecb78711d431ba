import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateServiceTokenDto, ServiceTokenIdParamDto } from './dto/service-token.dto';
import { ServiceTokensService } from './service-tokens.service';

/** Admin: tokens for SDKs in other services. The token is in the create response only. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/v1/service-tokens')
export class ServiceTokensController {
  constructor(private readonly tokens: ServiceTokensService) {}

  @Post()
  @Header('Cache-Control', 'no-store')
  create(@Body() dto: CreateServiceTokenDto) {
    return this.tokens.create(dto.name);
  }

  @Get()
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@Param() params: ServiceTokenIdParamDto) {
    return this.tokens.revoke(params.id);
  }
}
