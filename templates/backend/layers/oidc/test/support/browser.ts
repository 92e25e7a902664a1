import type { FastifyInstance } from "fastify";

/** Cookies of one site: name → value (the tests' sites use no clashing paths). */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(setCookie: string | string[] | undefined) {
    for (const line of [setCookie ?? []].flat()) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }
}

/**
 * A browser for the sign-in flow: it keeps the app's cookies and the provider's apart, asks the app
 * through `app.inject` and the provider over HTTP, and follows the provider's redirects until they
 * lead back to the app's callback.
 */
export class Browser {
  readonly appCookies = new CookieJar();
  readonly providerCookies = new CookieJar();
  readonly #app: FastifyInstance;

  constructor(app: FastifyInstance) {
    this.#app = app;
  }

  /** GET on the app (a path), with its cookies; returns the answer and keeps its cookies. */
  async visitApp(path: string, cookieHeader = this.appCookies.header) {
    const response = await this.#app.inject({
      method: "GET",
      url: path,
      headers: cookieHeader ? { cookie: cookieHeader } : {},
    });
    this.appCookies.store(response.headers["set-cookie"]);
    return response;
  }

  /** Follows the provider's redirects from `url` until one leads elsewhere (the app's callback). */
  async throughProvider(url: string): Promise<URL> {
    let next = new URL(url);
    const provider = next.origin;
    for (let hops = 0; hops < 10; hops++) {
      const headers: Record<string, string> = {};
      const cookie = this.providerCookies.header;
      if (cookie) headers.cookie = cookie;
      const response = await fetch(next, { redirect: "manual", headers });
      this.providerCookies.store(response.headers.getSetCookie());
      const location = response.headers.get("location");
      if (!location) {
        throw new Error(`the provider answered ${response.status}: ${await response.text()}`);
      }
      next = new URL(location, next);
      if (next.origin !== provider) return next;
    }
    throw new Error("the provider redirected too often");
  }

  /**
   * The whole sign-in: GET /auth/oidc/login, the provider, then the callback. `tamper` may change
   * the authorization URL (before the provider) or the callback URL (after it). Returns where the
   * app sent the browser last (OIDC_POST_LOGIN_REDIRECT with #code=… or #error=…).
   */
  async signIn(
    tamper: { authorization?: (url: URL) => void; callback?: (url: URL) => void } = {},
  ): Promise<{ landing: URL; callback: URL; flowCookie: string | undefined }> {
    const login = await this.visitApp("/auth/oidc/login");
    if (login.statusCode !== 302)
      throw new Error(`login answered ${login.statusCode}: ${login.body}`);
    const flowCookie = this.appCookies.header;
    const authorization = new URL(String(login.headers.location));
    tamper.authorization?.(authorization);
    const callback = await this.throughProvider(authorization.href);
    tamper.callback?.(callback);
    const landing = await this.callback(callback);
    return { landing, callback, flowCookie };
  }

  /** GET on the callback URL (the app's), with the app's cookies or the ones given. */
  async callback(url: URL, cookieHeader?: string): Promise<URL> {
    const response = await this.visitApp(
      `${url.pathname}${url.search}`,
      cookieHeader ?? this.appCookies.header,
    );
    if (response.statusCode !== 302) {
      throw new Error(`the callback answered ${response.statusCode}: ${response.body}`);
    }
    return new URL(String(response.headers.location));
  }
}

/** The `#code=…` or `#error=…` of a landing URL. */
export function fragment(landing: URL): { code?: string; error?: string } {
  const params = new URLSearchParams(landing.hash.slice(1));
  return { code: params.get("code") ?? undefined, error: params.get("error") ?? undefined };
}
