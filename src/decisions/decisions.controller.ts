import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Access, AdminRoleRequired } from '../auth/access.decorator';
import { parseDecisionBatch, parseDecisionRequest } from './decision-request.parse';
import { DecisionsService } from './decisions.service';
import { DecisionBatchDto, DecisionRequestDto } from './dto/decision-request.dto';
import { ApiDoc } from '../openapi/api-doc.decorator';

@ApiTags('decisions')
@ApiBearerAuth()
@Access('service', 'admin')
@AdminRoleRequired('viewer') // answering a question changes nothing
@Controller('api/v1/decisions')
export class DecisionsController {
  constructor(private readonly decisions: DecisionsService) {}

  // The bodies are checked by hand (same rules as the DTOs, which document them): the
  // class-validator pipe costs more than the decision on this hot path.
  @Post()
  @ApiDoc('Decide one outbound call', { returns: 'Decision' })
  @HttpCode(200)
  @ApiBody({ type: DecisionRequestDto })
  decide(@Body() body: unknown) {
    return this.decisions.decide(parseDecisionRequest(body));
  }

  /** Up to 1,000 decisions against one policy version. */
  @Post('batch')
  @ApiDoc('Decide many calls against one policy version', { returns: 'DecisionBatch' })
  @HttpCode(200)
  @ApiBody({ type: DecisionBatchDto })
  decideBatch(@Body() body: unknown) {
    return this.decisions.decideBatch(parseDecisionBatch(body));
  }
}
