/**
 * <flowgate-preferences>: the preference centre as a custom element, for a host
 * application's account page (served as one ES module at /embed/preferences.js) and for
 * Flowgate's own /settings.
 *
 *   <script type="module" src="https://flowgate.example.com/embed/preferences.js"></script>
 *   <flowgate-preferences lang="de" purposes="session-replay,product-analytics"></flowgate-preferences>
 *   el.tokenProvider = async () => (await fetch('/flowgate-token')).text();
 *
 * Attributes: `base-url` (Flowgate's origin; default: where this script came from), `lang`
 * (else the browser's languages), `purposes` (purpose keys to show, comma-separated; default
 * all). Properties: `token` (a user token) or `tokenProvider` (async; called again when the
 * server refuses the token). Events (bubbling, composed): `flowgate-ready`,
 * `flowgate-change` and `flowgate-error`, with the details typed below. Styles live in the
 * shadow root; hosts theme through `--fg-*` custom properties and `::part(…)`.
 */
import { CATALOGS, pickLanguage, translator, type Language } from './messages';
import { PreferenceCentre, type ChangeDetail, type ErrorDetail } from './preference-centre';
import { PreferencesClient } from './preferences-client';
import css from './preferences.css?inline';
import type { PreferencesResponse } from '@flowgate/core';

export type { ChangeDetail, ErrorDetail };
export type TokenProvider = () => Promise<string | null | undefined> | string | null | undefined;

export interface ReadyDetail {
  preferences: PreferencesResponse;
  /** From the token being available to the choices drawn, in ms. */
  ms: number;
}

let sheet: CSSStyleSheet | null = null;
/** One constructed stylesheet shared by every instance (no <style>: host CSPs need not allow inline styles). */
function styles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
  }
  return sheet;
}

const DEFAULT_BASE = new URL(import.meta.url).origin;

export class FlowgatePreferencesElement extends HTMLElement {
  static readonly observedAttributes = ['base-url', 'lang', 'purposes'];

  private readonly shadow: ShadowRoot;
  private tokenValue: string | null = null;
  private provider: TokenProvider | null = null;
  private centre: PreferenceCentre | null = null;
  private scheduled = false;
  private tokenAt = 0;

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: 'open', delegatesFocus: false });
    this.shadow.adoptedStyleSheets = [styles()];
  }

  /** A user token minted by the host's server. Setting it (re)loads the choices. */
  get token(): string | null {
    return this.tokenValue;
  }
  set token(value: string | null) {
    this.tokenValue = value || null;
    this.schedule();
  }

  /** Called for a token when needed, and again when the server refuses one (expired). */
  get tokenProvider(): TokenProvider | null {
    return this.provider;
  }
  set tokenProvider(value: TokenProvider | null) {
    this.provider = typeof value === 'function' ? value : null;
    this.schedule();
  }

  /** The language shown: the `lang` attribute, else the browser's languages, else English. */
  get language(): Language {
    return pickLanguage([this.getAttribute('lang'), ...(navigator.languages ?? [navigator.language])]);
  }

  connectedCallback(): void {
    // A host may set `token` or `tokenProvider` before this script has loaded: those landed
    // on the plain element and hide the accessors, so take them over.
    for (const name of ['token', 'tokenProvider'] as const) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = (this as Record<string, unknown>)[name];
        delete (this as Record<string, unknown>)[name];
        (this as Record<string, unknown>)[name] = value;
      }
    }
    this.schedule();
  }

  attributeChangedCallback(): void {
    if (this.isConnected) this.schedule();
  }

  /** Reads the choices again (after the host changed them elsewhere, say). */
  reload(): Promise<void> {
    return this.start();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (this.isConnected) void this.start();
    });
  }

  private async start(): Promise<void> {
    const language = this.language;
    const t = translator(language);
    const hasSource = this.tokenValue !== null || this.provider !== null;
    const source = async (refresh: boolean): Promise<string | null> => {
      if (this.provider && (refresh || this.tokenValue === null)) {
        this.tokenValue = (await this.provider()) || null;
      }
      return this.tokenValue;
    };
    const purposes = this.getAttribute('purposes');
    const centre = new PreferenceCentre(this.shadow, {
      client: new PreferencesClient(this.getAttribute('base-url') || DEFAULT_BASE, source, language),
      t,
      language,
      purposes: purposes ? purposes.split(/[\s,]+/).filter(Boolean) : null,
      onChange: (detail) => this.emit<ChangeDetail>('flowgate-change', detail),
      onError: (detail) => this.emit<ErrorDetail>('flowgate-error', detail),
      onReady: (preferences) =>
        requestAnimationFrame(() =>
          this.emit<ReadyDetail>('flowgate-ready', { preferences, ms: Math.round(performance.now() - this.tokenAt) }),
        ),
    });
    if (this.centre) this.centre.stale = true;
    this.centre = centre;
    if (!hasSource) return centre.message('info', t('error.no-token'));
    this.tokenAt = performance.now();
    centre.message('info', t('loading'));
    await centre.load();
  }

  /** Narrows the list as the search box does (the host may have its own search). */
  search(query: string): void {
    this.centre?.applySearch(query);
  }

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

/** Every language the element speaks. */
export const FLOWGATE_LANGUAGES = Object.keys(CATALOGS) as Language[];

if (!customElements.get('flowgate-preferences')) {
  customElements.define('flowgate-preferences', FlowgatePreferencesElement);
}

declare global {
  interface HTMLElementTagNameMap {
    'flowgate-preferences': FlowgatePreferencesElement;
  }
}
