import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditRetention } from './audit-retention';
import { AuditService } from './audit.service';

/** `/api/v1/audit`: what guards blocked, what monitor mode saw, and drift; old reports deleted. */
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditRetention],
})
export class AuditModule {}
