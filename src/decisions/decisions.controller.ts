import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { DecisionsService } from './decisions.service';
import { DecisionBatchDto, DecisionRequestDto } from './dto/decision-request.dto';

@ApiTags('decisions')
@ApiBearerAuth()
@Access('service', 'admin')
@Controller('api/v1/decisions')
export class DecisionsController {
  constructor(private readonly decisions: DecisionsService) {}

  @Post()
  @HttpCode(200)
  decide(@Body() dto: DecisionRequestDto) {
    return this.decisions.decide(dto);
  }

  /** Up to 1,000 decisions against one policy version. */
  @Post('batch')
  @HttpCode(200)
  decideBatch(@Body() dto: DecisionBatchDto) {
    return this.decisions.decideBatch(dto.requests);
  }
}
