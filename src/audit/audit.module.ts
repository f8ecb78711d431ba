import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** `/api/v1/audit`: what guards blocked, what monitor mode saw, and drift. */
@Module({
  controllers: [AuditController],
  providers: [AuditService],
})
export class AuditModule {}
