/**
 * The preference-centre API (`/api/v1/me/*`) as the embed calls it: from any origin
 * (`baseUrl`), with a user token that a property or the host's async provider supplies.
 */
import { ApiError } from '../api';
import type { PreferencesResponse } from '@flowgate/core';

/** Returns the user token; `refresh` is true after the server refused the last one. */
export type TokenSource = (refresh: boolean) => Promise<string | null>;

export interface ConsentChange {
  flowKey: string;
  granted: boolean;
  flowVersion: number;
}

export class PreferencesClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: TokenSource,
    private readonly language: string,
  ) {}

  preferences(): Promise<PreferencesResponse> {
    return this.send<PreferencesResponse>('GET', '/api/v1/me/preferences');
  }

  /** One flow (PUT …/:flowKey) or several in one event batch (PUT …/preferences). */
  async change(changes: readonly ConsentChange[]): Promise<void> {
    if (changes.length === 1) {
      const [c] = changes;
      await this.send('PUT', `/api/v1/me/preferences/${encodeURIComponent(c.flowKey)}`, {
        granted: c.granted,
        flowVersion: c.flowVersion,
      });
    } else {
      await this.send('PUT', '/api/v1/me/preferences', { changes });
    }
  }

  private async send<T>(method: 'GET' | 'PUT', path: string, body?: unknown, retried = false): Promise<T> {
    const token = await this.token(retried);
    if (!token) throw new ApiError(401, 'NO_TOKEN', 'No user token yet.');
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${token}`,
      'Accept-Language': this.language,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        mode: 'cors',
      });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', 'The server cannot be reached.');
    }
    if (res.status === 401 && !retried) return this.send<T>(method, path, body, true);
    if (!res.ok) {
      let problem: { code?: unknown; message?: unknown; details?: unknown } = {};
      try {
        problem = (await res.json()) as typeof problem;
      } catch {
        // Not JSON: the status line says enough.
      }
      throw new ApiError(
        res.status,
        typeof problem.code === 'string' ? problem.code : `HTTP_${res.status}`,
        typeof problem.message === 'string' ? problem.message : `${res.status} ${res.statusText}`,
        problem.details,
      );
    }
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
}
