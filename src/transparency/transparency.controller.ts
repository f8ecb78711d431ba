import { Controller, Get, Header, Headers, Injectable, Query, Res, type PipeTransform } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiHeader, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { ValidationFailedError } from '../common/domain-error';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { choosePageLanguage, PAGE_LANGUAGES, pageLanguageOf, type PageLanguage } from './page-messages';
import { PAGE_CSS } from './render-page';
import { TransparencyService, type PageFormat } from './transparency.service';

const TYPES: Record<PageFormat, string> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
};

/** `?lang=`: absent, or a tag whose language has a catalog (`de`, `de-CH`); anything else is a 400 naming `lang`. */
@Injectable()
export class PageLanguagePipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length <= 35 && /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/.test(value) && pageLanguageOf(value)) {
      return value;
    }
    throw new ValidationFailedError(
      [{ path: 'lang', message: `must be one of ${PAGE_LANGUAGES.join(', ')} (or a tag of one, e.g. de-CH)` }],
      'query',
    );
  }
}

const LANG_QUERY = ApiQuery({
  name: 'lang',
  required: false,
  description: `The language of the wording: ${PAGE_LANGUAGES.join(', ')}. The HTML page otherwise follows Accept-Language; the JSON and the feed otherwise are in English.`,
  schema: { type: 'string', example: 'de' },
});

/**
 * The public subprocessor page, generated from the map: no token needed. Written against
 * Nest's HTTP adapter (no Express or Fastify API), since the ETag, the 304 and the
 * negotiated language are per request.
 */
@ApiTags('transparency')
@Access('public')
@Controller()
export class TransparencyController {
  constructor(
    private readonly transparency: TransparencyService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The subprocessor list as an accessible, print-friendly HTML page, in the reader's language. */
  @Get('subprocessors')
  @ApiDoc('The public subprocessor page (HTML), in en, de or fr: `?lang=`, else Accept-Language, else en', {
    produces: { 'text/html': { schema: { type: 'string' } } },
  })
  @LANG_QUERY
  @ApiHeader({ name: 'Accept-Language', required: false, description: 'Used when `lang` is not given.' })
  html(
    @Query('lang', PageLanguagePipe) lang: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: unknown,
  ) {
    return this.send('html', choosePageLanguage(lang, acceptLanguage), lang === undefined, ifNoneMatch, res);
  }

  /** The same list as JSON (the page model). Language-neutral keys and codes; the words in `?lang=`, default en. */
  @Get('subprocessors.json')
  @ApiDoc('The public subprocessor list as JSON (docs/subprocessors.schema.json)', { returns: 'PublicSubprocessorList' })
  @LANG_QUERY
  json(
    @Query('lang', PageLanguagePipe) lang: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: unknown,
  ) {
    return this.send('json', choosePageLanguage(lang, undefined), false, ifNoneMatch, res);
  }

  /** Change notices as an Atom feed; its wording in `?lang=`, default en. */
  @Get('subprocessors.atom')
  @ApiDoc('Change notices as an Atom feed', { produces: { 'application/atom+xml': { schema: { type: 'string' } } } })
  @LANG_QUERY
  atom(
    @Query('lang', PageLanguagePipe) lang: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: unknown,
  ) {
    return this.send('atom', choosePageLanguage(lang, undefined), false, ifNoneMatch, res);
  }

  @Get('subprocessors.css')
  @ApiDoc("The public page's stylesheet", { produces: { 'text/css': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  css(): string {
    return PAGE_CSS;
  }

  private async send(
    format: PageFormat,
    language: PageLanguage,
    negotiated: boolean,
    ifNoneMatch: string | undefined,
    res: unknown,
  ): Promise<void> {
    const { body, etag } = await this.transparency.render(format, language);
    const http = this.adapterHost.httpAdapter;
    http.setHeader(res, 'ETag', etag);
    http.setHeader(res, 'Cache-Control', 'public, max-age=60');
    http.setHeader(res, 'Content-Language', language);
    // Only the HTML page without `?lang=` depends on Accept-Language.
    if (negotiated) http.setHeader(res, 'Vary', 'Accept-Language');
    if (ifNoneMatch === etag) {
      http.reply(res, undefined, 304);
      return;
    }
    http.setHeader(res, 'Content-Type', TYPES[format]);
    http.reply(res, body, 200);
  }
}
