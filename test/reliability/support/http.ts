// One HTTP request to a server on 127.0.0.1, with its answer read in full: for reliability tests that need to
// tell an HTTP answer (any status) apart from a connection that was refused or closed (a rejected promise).
import { type Agent, request } from "node:http";

export interface Answer {
	status: number;
	body: string;
	headers: Record<string, string | string[] | undefined>;
}

export interface CallOptions {
	body?: unknown;
	token?: string;
	agent?: Agent;
	/** The client's own loopback address (127.x.y.z), so that per-address limits see distinct clients. */
	localAddress?: string;
	timeoutMs?: number;
}

/** Resolves with the answer; rejects on socket errors (refused, reset, hang-up) and on a timeout. */
export function call(port: number, method: string, url: string, options: CallOptions = {}): Promise<Answer> {
	const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
	return new Promise((resolve, reject) => {
		const req = request(
			{
				host: "127.0.0.1",
				port,
				method,
				path: url,
				agent: options.agent,
				localAddress: options.localAddress,
				timeout: options.timeoutMs ?? 15_000,
				headers: {
					...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
					...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
				},
			},
			(res) => {
				let body = "";
				res.setEncoding("utf8");
				res.on("data", (chunk) => {
					body += chunk;
				});
				res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
				res.on("error", reject);
			},
		);
		req.on("timeout", () => req.destroy(new Error("request timed out")));
		req.on("error", reject);
		req.end(payload);
	});
}

/** A socket error that means the request never reached a handler, so sending it elsewhere is safe. */
export function isConnectionLost(error: unknown): boolean {
	const code = (error as NodeJS.ErrnoException).code ?? "";
	const message = (error as Error).message ?? "";
	return ["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(code) || /socket hang up/.test(message);
}
