import type { CollectionIndexes } from "../client.ts";

/** Provider identities (one account each) and one-time login codes (removed once expired). */
export default {
  oidc_identities: [
    { key: { issuer: 1, subject: 1 }, name: "oidc_identities_issuer_subject", unique: true },
    { key: { userId: 1 }, name: "oidc_identities_user" },
  ],
  // MongoDB deletes a code once its expiresAt has passed (the exchange checks the time itself too).
  oidc_login_codes: [
    { key: { expiresAt: 1 }, name: "oidc_login_codes_expiry", expireAfterSeconds: 0 },
  ],
} satisfies CollectionIndexes;
