import { Type } from "typebox";
import { PROBLEM_CONTENT_TYPE } from "./problem.ts";

/** RFC 9457 problem details, as documented in the OpenAPI document. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ examples: ["about:blank"] }),
    title: Type.String({ examples: ["Not Found"] }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
  },
  { additionalProperties: false, description: "RFC 9457 problem details" },
);

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input",
  401: "Missing or invalid access token",
  404: "Not found",
  409: "Conflict",
  413: "Body larger than 1 MiB",
  415: "Content-Type is not application/json",
  429: "Rate limited; see Retry-After",
  503: "The database is unavailable",
};

const mediaType = PROBLEM_CONTENT_TYPE.split(";")[0] ?? "application/problem+json";

/** Response entries for the given error statuses, each an application/problem+json document. */
export function problems(...statuses: number[]) {
  const result: Record<number, unknown> = {};
  for (const status of [...statuses, 429]) {
    result[status] = {
      description: DESCRIPTIONS[status] ?? "Error",
      content: { [mediaType]: { schema: ProblemSchema } },
    };
  }
  return result as Record<number, typeof ProblemSchema>;
}

/** Error statuses of a route that takes a JSON body. */
export const BODY_ERRORS = [400, 413, 415] as const;
