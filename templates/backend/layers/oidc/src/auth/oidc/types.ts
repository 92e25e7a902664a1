import type { User } from "../types.ts";

/** Who the provider says signed in: from the verified ID token. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email: string | undefined;
  /** The provider's `email_verified` claim; anything but `true` counts as unverified. */
  emailVerified: boolean;
}

/** A new account made for a provider identity (no password anyone knows). */
export interface NewOidcUser {
  id: string;
  email: string;
  /** argon2id of 256 random bits: a password login fails like any wrong password. */
  passwordHash: string;
  createdAt: Date;
}

/** Provider identities and one-time login codes; one implementation per database. */
export interface OidcRepository {
  /** The account an identity (issuer, subject) belongs to, or null. */
  findUserByIdentity(issuer: string, subject: string): Promise<User | null>;
  /** The account with this (normalized) email, or null. */
  findUserByEmail(email: string): Promise<User | null>;
  /**
   * Creates the account and its identity at once. Returns null, creating nothing, when the email
   * or the identity is taken meanwhile (a concurrent sign-in).
   */
  createUserWithIdentity(user: NewOidcUser, identity: OidcIdentity): Promise<User | null>;
  /** Attaches an identity to an existing account; false when the identity is taken already. */
  linkIdentity(userId: string, identity: OidcIdentity, now: Date): Promise<boolean>;
  /** Stores a one-time code (its SHA-256) for `userId`, and drops expired ones. */
  saveLoginCode(codeHash: string, userId: string, expiresAt: Date): Promise<void>;
  /**
   * Removes the code and returns its user when it had not expired at `now`; null otherwise. At
   * most one caller gets the user, however many ask at once.
   */
  consumeLoginCode(codeHash: string, now: Date): Promise<string | null>;
}
