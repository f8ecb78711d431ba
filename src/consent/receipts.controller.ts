import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { RECEIPT_KEY, type ReceiptJwk, type ReceiptKeySource } from './receipt-signer';
import { ApiDoc } from '../openapi/api-doc.decorator';

/** The public key signed receipts verify against, for anyone holding one (no token). */
@ApiTags('preference centre')
@Access('public')
@Controller('api/v1/receipts')
export class ReceiptsController {
  constructor(@Inject(RECEIPT_KEY) private readonly key: ReceiptKeySource) {}

  /** A JSON Web Key Set (RFC 7517): the signing key's public half first, then retired ones. */
  @Get('keys')
  @ApiDoc('The public keys (JWK set) signed receipts verify against', { returns: 'ReceiptKeys' })
  keys(): { keys: ReceiptJwk[] } {
    return { keys: [this.key.jwk, ...this.key.retired] };
  }
}
