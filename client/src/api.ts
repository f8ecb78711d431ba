/** The Flowgate API as the client sees it: JSON over fetch, errors as ApiError. */

export interface ApiProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The problems the server listed (validation errors), if any. */
  get problems(): ApiProblem[] {
    return Array.isArray(this.details)
      ? this.details.filter(
          (d): d is ApiProblem => typeof d === 'object' && d !== null && 'message' in d,
        )
      : [];
  }
}

export interface RequestOptions {
  token?: string | null;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A body sent as it is (e.g. a YAML file), with its content type; instead of `body`. */
  text?: { type: string; value: string };
  accept?: string;
  signal?: AbortSignal;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.text !== undefined) headers['Content-Type'] = options.text.type;
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.text !== undefined ? options.text.value : options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(
      0,
      'NETWORK_ERROR',
      'The server cannot be reached. Check your connection and try again.',
    );
  }
  if (!res.ok) {
    let body: { code?: unknown; message?: unknown; details?: unknown } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(
      res.status,
      typeof body.code === 'string' ? body.code : `HTTP_${res.status}`,
      typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText}`,
      body.details,
    );
  }
  return res;
}

export async function apiJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(path, options);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export async function apiBlob(path: string, options: RequestOptions = {}): Promise<Blob> {
  return (await send(path, options)).blob();
}

/** `?a=1&b=x` from the defined entries (false and empty values are left out). */
export function queryString(params: Record<string, string | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === false || value === '') continue;
    search.set(key, value === true ? 'true' : value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Tokens live in sessionStorage: entered once per browser tab session, gone when it closes. */
export const tokens = {
  admin: {
    get: (): string | null => sessionStorage.getItem('flowgate.admin-token'),
    set: (token: string): void => sessionStorage.setItem('flowgate.admin-token', token),
    clear: (): void => sessionStorage.removeItem('flowgate.admin-token'),
  },
  user: {
    get: (): string | null => sessionStorage.getItem('flowgate.user-token'),
    set: (token: string): void => sessionStorage.setItem('flowgate.user-token', token),
    clear: (): void => sessionStorage.removeItem('flowgate.user-token'),
  },
};
