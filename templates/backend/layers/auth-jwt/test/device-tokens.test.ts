import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deviceCookie, readDeviceCookie } from "../src/auth/device-cookie.ts";
import { DEVICE_TOKEN_TTL_SECONDS, DeviceTokens } from "../src/auth/device-tokens.ts";

const key = randomBytes(32);
const T0 = 1_800_000_000_000;

describe("device tokens", () => {
  it("are valid for the account they were issued for, and nothing else", () => {
    const devices = new DeviceTokens(key);
    const token = devices.issue("owner@example.com", T0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{43}$/);
    const id = devices.verify(token, "owner@example.com", T0);
    expect(id).toBe(token.split(".")[0]);
    expect(
      devices.verify(devices.issue("owner@example.com", T0), "owner@example.com", T0),
    ).not.toBe(id); // a new device id each time
    expect(devices.verify(token, "other@example.com", T0)).toBeNull();
    expect(new DeviceTokens(randomBytes(32)).verify(token, "owner@example.com", T0)).toBeNull();
  });

  it("expire after 90 days", () => {
    const devices = new DeviceTokens(key);
    expect(DEVICE_TOKEN_TTL_SECONDS).toBe(90 * 86_400);
    const token = devices.issue("owner@example.com", T0);
    expect(devices.verify(token, "owner@example.com", T0 + 89 * 86_400_000)).not.toBeNull();
    expect(devices.verify(token, "owner@example.com", T0 + 90 * 86_400_000)).toBeNull();
  });

  it("refuse any change, a longer expiry and garbage, without throwing", () => {
    const devices = new DeviceTokens(key);
    const token = devices.issue("owner@example.com", T0);
    const [id, expires, mac] = token.split(".") as [string, string, string];
    const flip = (text: string) => (text[0] === "A" ? "B" : "A") + text.slice(1);
    for (const bad of [
      `${flip(id)}.${expires}.${mac}`,
      `${id}.${Number(expires) + 86_400}.${mac}`,
      `${id}.${expires}.${flip(mac)}`,
      `${id}.${expires}.${mac}=`,
      `${id}.${expires}`,
      "",
      "x".repeat(10_000),
      undefined,
      42,
      { id },
    ]) {
      expect(devices.verify(bad, "owner@example.com", T0)).toBeNull();
    }
  });
});

describe("the device cookie", () => {
  it("is HttpOnly, SameSite=Strict, limited to its path, Secure when asked", () => {
    const options = { path: "/auth", secure: false, maxAgeSeconds: 7_776_000 };
    expect(deviceCookie("abc", options)).toBe(
      "device_token=abc; Path=/auth; Max-Age=7776000; HttpOnly; SameSite=Strict",
    );
    expect(deviceCookie("abc", { ...options, secure: true })).toMatch(/; Secure$/);
  });

  it("is read from a Cookie header among others", () => {
    expect(readDeviceCookie("a=1; device_token=abc.1.x ; b=2")).toBe("abc.1.x");
    expect(readDeviceCookie("xdevice_token=1")).toBeUndefined();
    expect(readDeviceCookie(undefined)).toBeUndefined();
    expect(readDeviceCookie(`device_token=${"a".repeat(9000)}`)).toBeUndefined();
  });
});
