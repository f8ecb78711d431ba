import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { DataMapService } from '../data-map/data-map.service';
import type { PublishedNotice } from './notice.types';
import { DEFAULT_PAGE_LANGUAGE, type PageLanguage } from './page-messages';
import { renderAtom } from './render-atom';
import { renderPageHtml, renderPageMarkdown } from './render-page';
import { buildSubprocessorPage, type SubprocessorPage } from './subprocessor-page';

export type PageFormat = 'html' | 'json' | 'atom' | 'md';

export interface RenderedPage {
  body: string;
  etag: string;
}

/** Where the notices come from; the notices module provides it (empty without one). */
export interface NoticeFeed {
  /** A value that changes whenever the notices do (cache key). */
  version(): Promise<string>;
  published(): Promise<PublishedNotice[]>;
}

export const NOTICE_FEED = Symbol('NOTICE_FEED');

/**
 * The public subprocessor page and its feeds, generated from the map and cached by map
 * version (and notices version): a page view costs one version check.
 */
@Injectable()
export class TransparencyService {
  /** Per map (and notices) version: the page model and its renderings, per language. */
  private cache: { key: string; pages: Map<PageLanguage, CachedPage> } | null = null;

  constructor(
    private readonly dataMap: DataMapService,
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
    @Inject(NOTICE_FEED) private readonly notices: NoticeFeed,
  ) {}

  async page(language: PageLanguage = DEFAULT_PAGE_LANGUAGE): Promise<SubprocessorPage> {
    return (await this.current(language)).page;
  }

  async render(format: PageFormat, language: PageLanguage = DEFAULT_PAGE_LANGUAGE): Promise<RenderedPage> {
    const entry = await this.current(language);
    let rendered = entry.rendered.get(format);
    if (rendered === undefined) {
      const body = renderFormat(entry.page, format, this.config.publicUrl, this.updatedAt);
      rendered = { body, etag: `"${entry.key}-${createHash('sha256').update(body).digest('base64url').slice(0, 12)}"` };
      entry.rendered.set(format, rendered);
    }
    return rendered;
  }

  private updatedAt = new Date(0);

  private async current(language: PageLanguage): Promise<CachedPage> {
    const map = await this.dataMap.current();
    const key = `${map.version}.${await this.notices.version()}`;
    if (this.cache?.key !== key) {
      this.updatedAt = map.updatedAt ?? new Date(0);
      this.cache = { key, pages: new Map() };
      this.notices_ = this.notices.published();
    }
    const cache = this.cache;
    let entry = cache.pages.get(language);
    if (entry === undefined) {
      const page = buildSubprocessorPage(map.manifest, {
        mapVersion: map.version,
        updatedAt: map.updatedAt,
        notices: await this.notices_,
        language,
      });
      entry = { key: `${cache.key}.${language}`, page, rendered: new Map() };
      cache.pages.set(language, entry);
    }
    return entry;
  }

  /** The notices of the cached version, read once for all languages. */
  private notices_: Promise<PublishedNotice[]> = Promise.resolve([]);
}

interface CachedPage {
  key: string;
  page: SubprocessorPage;
  rendered: Map<PageFormat, RenderedPage>;
}

export function renderFormat(page: SubprocessorPage, format: PageFormat, baseUrl: string | null, updated: Date): string {
  switch (format) {
    case 'html':
      return renderPageHtml(page);
    case 'md':
      return renderPageMarkdown(page);
    case 'json':
      return `${JSON.stringify(page, null, 2)}\n`;
    case 'atom':
      return renderAtom(page, { baseUrl: baseUrl ?? undefined, updated });
  }
}
