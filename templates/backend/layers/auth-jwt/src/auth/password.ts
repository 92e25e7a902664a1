import { hash, verify } from "@node-rs/argon2";

/** `Algorithm.Argon2id` (a const enum, which type stripping cannot inline). */
const ARGON2ID = 2;

/** argon2id with the OWASP minimum (19 MiB, 2 iterations, 1 lane). */
const OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Verifies against a fixed hash, so a login for an unknown email costs as much time as one with
 * a wrong password.
 */
export async function verifyDummy(password: string): Promise<void> {
  dummy ??= hashPassword("dummy password that matches nothing");
  await verifyPassword(await dummy, password);
}
