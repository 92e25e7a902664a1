import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * `size` bytes from the operating system's cryptographically secure generator. On Linux and macOS they are read
 * from /dev/urandom, the kernel's generator (which OpenSSL, behind `crypto.randomBytes`, seeds itself from): loading
 * node:crypto costs ~5 ms, a third of a generation's own work. Anything unusual — Windows, no such device, a
 * /dev/urandom that is not a character device, a short read — falls back to `crypto.randomBytes`.
 */
export function randomBytes(size: number): Buffer {
	if (process.platform !== "win32") {
		let fd: number | undefined;
		try {
			fd = openSync("/dev/urandom", "r");
			if (fstatSync(fd).isCharacterDevice()) {
				const bytes = Buffer.alloc(size);
				let filled = 0;
				while (filled < size) {
					const n = readSync(fd, bytes, filled, size - filled, null);
					if (n <= 0) break;
					filled += n;
				}
				if (filled === size) return bytes;
			}
		} catch {
			// fall back below
		} finally {
			if (fd !== undefined) closeSync(fd);
		}
	}
	// Required here, not imported at the top: a top-level import would load node:crypto on every run.
	return process.getBuiltinModule("node:crypto").randomBytes(size);
}
