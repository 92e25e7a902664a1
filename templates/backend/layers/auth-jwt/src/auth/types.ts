/** The auth domain, shared by the REST routes and the GraphQL resolvers. */

export interface User {
  id: string;
  email: string;
}

export interface UserRecord extends User {
  passwordHash: string;
  createdAt: Date;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  tokenHash: string;
  expiresAt: Date;
  createdAt: Date;
}

export type ConsumeResult =
  | { status: "ok"; userId: string; familyId: string }
  /** The token was already used, revoked or has expired: its family must be revoked. */
  | { status: "reused"; familyId: string }
  | { status: "unknown" };

/** Storage of users and refresh tokens; one implementation per database. */
export interface AuthRepository {
  /** Throws AppError CONFLICT when the (normalized) email is taken. */
  createUser(user: UserRecord): Promise<void>;
  findUserByEmail(email: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<User | null>;
  /** Deletes a user with their refresh tokens and notes; false when there was none. */
  deleteUser(id: string): Promise<boolean>;
  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  /** Atomically marks the token used; at most one concurrent caller gets `ok`. */
  consumeRefreshToken(tokenHash: string, now: Date): Promise<ConsumeResult>;
  /** Revokes every token of a family. */
  revokeFamily(familyId: string, now: Date): Promise<void>;
  /** The family of a token (used or not), or null. */
  findFamily(tokenHash: string): Promise<string | null>;
}

export interface AuthResult {
  user: User;
  accessToken: string;
  refreshToken: string;
  /**
   * After a login or registration: the device token of this client for this account
   * (src/auth/device-tokens.ts), which the routes hand over as an HttpOnly cookie, never in a body.
   */
  deviceToken?: string;
}
