import { ApiDoc } from '../openapi/api-doc.decorator';
import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../auth/access.decorator';
import { PAGE_CSS } from './render-page';
import { TransparencyService, type PageFormat } from './transparency.service';

const TYPES: Record<PageFormat, string> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
};

/** The public subprocessor page, generated from the map: no token needed. */
@ApiTags('transparency')
@Access('public')
@Controller()
export class TransparencyController {
  constructor(private readonly transparency: TransparencyService) {}

  /** The subprocessor list as an accessible, print-friendly HTML page. */
  @Get('subprocessors')
  @ApiDoc('The public subprocessor page (HTML)', { produces: { 'text/html': { schema: { type: 'string' } } } })
  html(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.send('html', req, res);
  }

  /** The same list as JSON (the page model). */
  @Get('subprocessors.json')
  @ApiDoc('The public subprocessor list as JSON (docs/subprocessors.schema.json)', { produces: { 'application/json': { schema: { type: 'object' } } } })
  json(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.send('json', req, res);
  }

  /** Change notices as an Atom feed. */
  @Get('subprocessors.atom')
  @ApiDoc('Change notices as an Atom feed', { produces: { 'application/atom+xml': { schema: { type: 'string' } } } })
  atom(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.send('atom', req, res);
  }

  @Get('subprocessors.css')
  @ApiDoc("The public page's stylesheet", { produces: { 'text/css': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  css(): string {
    return PAGE_CSS;
  }

  private async send(format: PageFormat, req: FastifyRequest, res: FastifyReply): Promise<void> {
    const { body, etag } = await this.transparency.render(format);
    void res.header('ETag', etag).header('Cache-Control', 'public, max-age=60');
    if (req.headers['if-none-match'] === etag) {
      void res.status(304).send();
      return;
    }
    void res.status(200).type(TYPES[format]).send(body);
  }
}
