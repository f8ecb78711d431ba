import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { AuthError } from '../auth/auth.errors';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { AuditService } from './audit.service';
import { AuditSummaryQueryDto, AuditWindowQueryDto } from './dto/audit-query.dto';
import type { AuditDriftResponse, AuditSummaryResponse, RecordAuditEventsResponse } from './dto/audit-responses';
import { RecordAuditEventsDto } from './dto/record-audit-events.dto';
import { ApiDoc } from '../openapi/api-doc.decorator';

/** Reports from guards (service tokens) and what the privacy team reads of them (admin). */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** A guard's batch: blocked calls, monitor hits, drift, each counted. */
  @Post('events')
  @ApiDoc('Reports from guards: blocked calls, monitor hits, drift', { status: 202, returns: 'AuditAccepted' })
  @Access('service')
  @HttpCode(HttpStatus.ACCEPTED)
  record(@Body() dto: RecordAuditEventsDto, @CurrentPrincipal() principal: Principal): Promise<RecordAuditEventsResponse> {
    if (principal.kind !== 'service') throw new AuthError('FORBIDDEN', 'Audit events come from service tokens');
    return this.audit.record(dto, { tokenId: principal.tokenId });
  }

  /** Counts by kind, subprocessor, field, reason and service over a window (default: the last 24 hours). */
  @Get('summary')
  @ApiDoc('Counts of guard reports by kind, vendor, field, reason, service', { returns: 'AuditSummary' })
  summary(@Query() query: AuditSummaryQueryDto): Promise<AuditSummaryResponse> {
    return this.audit.summary(query);
  }

  /** Personal-looking data guards saw that no field of the flow declares, most frequent first. */
  @Get('drift')
  @ApiDoc('Payload data no field of the map declares, by vendor', { returns: 'AuditDrift' })
  drift(@Query() query: AuditWindowQueryDto): Promise<AuditDriftResponse> {
    return this.audit.drift(query);
  }
}
