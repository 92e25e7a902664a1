import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

/** A user of the test provider. */
export interface TestAccount {
  sub: string;
  email?: string;
  emailVerified?: boolean;
}

export const TEST_CLIENT_ID = "test-app";
export const TEST_CLIENT_SECRET = randomBytes(24).toString("base64url");

/**
 * A real OpenID Connect provider (panva's oidc-provider, a certified implementation) on a port of
 * this machine, for the tests: discovery, authorization with PKCE required, token endpoint, ID
 * tokens signed with a fresh RS256 key. Its login page is replaced by `signIn`: whoever `signIn`
 * names signs in (and consents) at the next authorization request, or the request is denied.
 */
export class TestProvider {
  readonly accounts = new Map<string, TestAccount>();
  /** The account that signs in next, or a denial with this error_description. */
  signIn: { account: TestAccount } | { deny: string } | undefined;
  readonly issuer: string;
  readonly #server: Server;

  private constructor(issuer: string, server: Server) {
    this.issuer = issuer;
    this.#server = server;
  }

  /** Starts a provider that knows one client, redirecting to `redirectUri`. */
  static async start(redirectUri: string): Promise<TestProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const test = new TestProvider(issuer, server);
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: TEST_CLIENT_ID,
          client_secret: TEST_CLIENT_SECRET,
          redirect_uris: [redirectUri],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_post",
        },
      ],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: "test" }] },
      cookies: { keys: [randomBytes(32).toString("base64url")] },
      claims: { openid: ["sub"], email: ["email", "email_verified"] },
      pkce: { required: () => true },
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        Grant: 600,
        IdToken: 600,
        Interaction: 600,
        Session: 600,
      },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, id) => {
        const account = test.accounts.get(id);
        if (!account) return undefined;
        return {
          accountId: id,
          claims: () => ({
            sub: account.sub,
            ...(account.email === undefined
              ? {}
              : { email: account.email, email_verified: account.emailVerified ?? false }),
          }),
        };
      },
    });
    const callback = provider.callback();
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith("/interaction/")) {
        test.#interact(provider, req, res).catch((error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        });
      } else {
        callback(req, res);
      }
    });
    return test;
  }

  /** Adds an account and makes it the one that signs in next. */
  willSignIn(account: TestAccount): TestAccount {
    this.accounts.set(account.sub, account);
    this.signIn = { account };
    return account;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The login and consent pages: answered at once, as `signIn` says. */
  async #interact(provider: Provider, req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const next = this.signIn;
    if (!next) throw new Error("TestProvider: nobody is set to sign in");
    if ("deny" in next) {
      await provider.interactionFinished(req, res, {
        error: "access_denied",
        error_description: next.deny,
      });
      return;
    }
    if (details.prompt.name === "login") {
      await provider.interactionFinished(req, res, { login: { accountId: next.account.sub } });
      return;
    }
    const grant = new provider.Grant({
      accountId: next.account.sub,
      clientId: String(details.params.client_id),
    });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }
}
