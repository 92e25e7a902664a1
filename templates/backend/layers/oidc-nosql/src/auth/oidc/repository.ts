import { randomUUID } from "node:crypto";
import type { Database } from "../../db/client.ts";
import { isDuplicateKey } from "../../db/errors.ts";
import type { OidcRepository } from "./types.ts";

interface UserDocument {
  _id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

interface IdentityDocument {
  _id: string;
  issuer: string;
  subject: string;
  userId: string;
  createdAt: Date;
}

interface LoginCodeDocument {
  /** SHA-256 (hex) of the code. */
  _id: string;
  userId: string;
  expiresAt: Date;
}

/**
 * Provider identities and one-time login codes in MongoDB (indexes: src/db/indexes/oidc.ts).
 * Filters use explicit $eq on typed strings.
 */
export function createOidcRepository(database: Database): OidcRepository {
  const users = database.db.collection<UserDocument>("users");
  const identities = database.db.collection<IdentityDocument>("oidc_identities");
  const codes = database.db.collection<LoginCodeDocument>("oidc_login_codes");
  const findUser = async (id: string) => {
    const doc = await users.findOne({ _id: { $eq: id } }, { projection: { email: 1 } });
    return doc ? { id: doc._id, email: doc.email } : null;
  };
  const insertIdentity = (
    userId: string,
    identity: { issuer: string; subject: string },
    now: Date,
  ) =>
    identities.insertOne({
      _id: randomUUID(),
      issuer: identity.issuer,
      subject: identity.subject,
      userId,
      createdAt: now,
    });
  return {
    async findUserByIdentity(issuer, subject) {
      const doc = await identities.findOne({ issuer: { $eq: issuer }, subject: { $eq: subject } });
      return doc ? findUser(doc.userId) : null;
    },

    async findUserByEmail(email) {
      const doc = await users.findOne({ email: { $eq: email } }, { projection: { email: 1 } });
      return doc ? { id: doc._id, email: doc.email } : null;
    },

    async createUserWithIdentity(user, identity) {
      // No multi-document transaction (a single server has none): the account first, then its
      // identity; if a concurrent sign-in took the identity meanwhile, the account goes again.
      try {
        await users.insertOne({
          _id: user.id,
          email: user.email,
          passwordHash: user.passwordHash,
          createdAt: user.createdAt,
        });
      } catch (error) {
        if (isDuplicateKey(error)) return null;
        throw error;
      }
      try {
        await insertIdentity(user.id, identity, user.createdAt);
      } catch (error) {
        await users.deleteOne({ _id: { $eq: user.id } });
        if (isDuplicateKey(error)) return null;
        throw error;
      }
      return { id: user.id, email: user.email };
    },

    async linkIdentity(userId, identity, now) {
      try {
        await insertIdentity(userId, identity, now);
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },

    async saveLoginCode(codeHash, userId, expiresAt) {
      await codes.insertOne({ _id: codeHash, userId, expiresAt });
    },

    async consumeLoginCode(codeHash, now) {
      // Removed whether or not it expired: a code is tried once, and only one caller gets it.
      const doc = await codes.findOneAndDelete({ _id: { $eq: codeHash } });
      return doc && doc.expiresAt > now ? doc.userId : null;
    },
  };
}
