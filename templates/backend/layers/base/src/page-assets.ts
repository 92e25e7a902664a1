import { readFile } from "node:fs/promises";
import type { FastifyReply, FastifyRequest } from "fastify";

export const JS = "text/javascript; charset=utf-8";
export const CSS = "text/css; charset=utf-8";

/** What a browser page loads: a prebuilt file kept in public/, or a short text of the page's own. */
export type PageAsset = { type: string } & ({ file: string } | { text: string });

/** public/, from src/ and from dist/ alike. */
const PUBLIC_DIR = new URL("../public/", import.meta.url);

/**
 * The handler of a page's `…/assets/:name` route, so that every script and style comes from this
 * server: no CDN, so the page works offline, and no inline script, so it runs under the app's
 * Content-Security-Policy (`script-src 'self'`). Only the names listed are served, so a request
 * cannot reach any other file; a file is read on its first request, then kept in memory.
 */
export function pageAssets(assets: Record<string, PageAsset>) {
  const files = new Map<string, Buffer>();

  return async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const { name } = request.params;
    const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!asset) return reply.callNotFound();
    reply.type(asset.type);
    if ("text" in asset) return reply.send(asset.text);

    let body = files.get(name);
    if (!body) {
      try {
        body = await readFile(new URL(asset.file, PUBLIC_DIR));
      } catch (error) {
        request.log.warn({ err: error }, `a page's file is missing: public/${asset.file}`);
        return reply.callNotFound();
      }
      files.set(name, body);
    }
    return reply.header("cache-control", "public, max-age=3600").send(body);
  };
}
