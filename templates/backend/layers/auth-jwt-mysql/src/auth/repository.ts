import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { refreshTokens, users } from "../db/schema/users.ts";
import { AppError } from "../errors.ts";
import type { AuthRepository } from "./types.ts";

/** Users and refresh tokens in MySQL / MariaDB. */
export function createAuthRepository(db: Database): AuthRepository {
  const { orm } = db;
  return {
    async createUser(user) {
      try {
        await orm.insert(users).values(user);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError("CONFLICT", "This email is already registered");
        }
        throw error;
      }
    },

    async findUserByEmail(email) {
      const [user] = await orm.select().from(users).where(eq(users.email, email));
      return user ?? null;
    },

    async findUserById(id) {
      const [user] = await orm
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(eq(users.id, id));
      return user ?? null;
    },

    async deleteUser(id) {
      // Their refresh tokens and notes go with them (ON DELETE CASCADE).
      const [result] = await orm.delete(users).where(eq(users.id, id));
      return result.affectedRows === 1;
    },

    async insertRefreshToken(token) {
      await orm.insert(refreshTokens).values(token);
    },

    async consumeRefreshToken(tokenHash, now) {
      // Use once: of two requests with the same token, only one UPDATE changes the row (the row
      // lock orders them); the other changes none and reads the token as reused.
      const [result] = await orm
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(
          and(
            eq(refreshTokens.tokenHash, tokenHash),
            isNull(refreshTokens.revokedAt),
            gt(refreshTokens.expiresAt, now),
          ),
        );
      const [row] = await orm
        .select({ userId: refreshTokens.userId, familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash));
      if (!row) return { status: "unknown" };
      return result.affectedRows === 1
        ? { status: "ok", ...row }
        : { status: "reused", familyId: row.familyId };
    },

    async revokeFamily(familyId, now) {
      await orm
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
    },

    async findFamily(tokenHash) {
      const [row] = await orm
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash));
      return row?.familyId ?? null;
    },
  };
}
