import type { Database } from "../db/client.ts";
import { isDuplicateKey } from "../db/errors.ts";
import { AppError } from "../errors.ts";
import type { AuthRepository } from "./types.ts";

interface UserDocument {
  _id: string;
  /** Trimmed and lower-cased; unique. */
  email: string;
  passwordHash: string;
  createdAt: Date;
}

interface RefreshTokenDocument {
  _id: string;
  userId: string;
  familyId: string;
  /** SHA-256 (hex) of the token. */
  tokenHash: string;
  expiresAt: Date;
  createdAt: Date;
  /** Set when the token is used, logged out or its family revoked. */
  revokedAt: Date | null;
}

/**
 * Users and refresh tokens in MongoDB (indexes: src/db/indexes/users.ts). Filters use explicit $eq
 * on typed strings.
 */
export function createAuthRepository(database: Database): AuthRepository {
  const users = database.db.collection<UserDocument>("users");
  const tokens = database.db.collection<RefreshTokenDocument>("refresh_tokens");
  const notes = database.db.collection<{ _id: string; ownerId: string | null }>("notes");
  return {
    async createUser(user) {
      try {
        await users.insertOne({
          _id: user.id,
          email: user.email,
          passwordHash: user.passwordHash,
          createdAt: user.createdAt,
        });
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw new AppError("CONFLICT", "This email is already registered");
        }
        throw error;
      }
    },

    async findUserByEmail(email) {
      const doc = await users.findOne({ email: { $eq: email } });
      return doc
        ? {
            id: doc._id,
            email: doc.email,
            passwordHash: doc.passwordHash,
            createdAt: doc.createdAt,
          }
        : null;
    },

    async findUserById(id) {
      const doc = await users.findOne({ _id: { $eq: id } }, { projection: { email: 1 } });
      return doc ? { id: doc._id, email: doc.email } : null;
    },

    async deleteUser(id) {
      // No foreign keys here: their refresh tokens and notes are deleted by hand, the user last, so
      // that a failure half-way leaves an account that can still be deleted again.
      await tokens.deleteMany({ userId: { $eq: id } });
      await notes.deleteMany({ ownerId: { $eq: id } });
      const { deletedCount } = await users.deleteOne({ _id: { $eq: id } });
      return deletedCount === 1;
    },

    async insertRefreshToken(token) {
      await tokens.insertOne({
        _id: token.id,
        userId: token.userId,
        familyId: token.familyId,
        tokenHash: token.tokenHash,
        expiresAt: token.expiresAt,
        createdAt: token.createdAt,
        revokedAt: null,
      });
    },

    async consumeRefreshToken(tokenHash, now) {
      const doc = await tokens.findOneAndUpdate(
        { tokenHash: { $eq: tokenHash }, revokedAt: { $eq: null }, expiresAt: { $gt: now } },
        { $set: { revokedAt: now } },
      );
      if (doc) return { status: "ok", userId: doc.userId, familyId: doc.familyId };
      const used = await tokens.findOne({ tokenHash: { $eq: tokenHash } });
      return used ? { status: "reused", familyId: used.familyId } : { status: "unknown" };
    },

    async revokeFamily(familyId, now) {
      await tokens.updateMany(
        { familyId: { $eq: familyId }, revokedAt: { $eq: null } },
        { $set: { revokedAt: now } },
      );
    },

    async findFamily(tokenHash) {
      const doc = await tokens.findOne({ tokenHash: { $eq: tokenHash } });
      return doc?.familyId ?? null;
    },
  };
}
