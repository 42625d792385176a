// Reads what Hallpass wrote with the real @auth/core, as a Next.js app would: the environment
// (AUTH_SECRET_*, AUTH_URL) through Auth.js's own setEnvDefaults, then Auth.js's session and CSRF
// endpoints and `@auth/core/jwt`'s decode. Input (argv[2], JSON): { sessionCookie, csrfCookie }.
// Output (stdout, JSON): what Auth.js saw, and cookies Auth.js made for Hallpass to read.
import { Auth, setEnvDefaults } from "@auth/core"
import { decode, encode } from "@auth/core/jwt"

const input = JSON.parse(process.argv[2])
const config = { providers: [], trustHost: true }
setEnvDefaults(process.env, config)
const base = process.env.AUTH_URL
const name = "authjs.session-token"

async function call(path, cookie) {
  const headers = cookie ? { cookie } : {}
  const res = await Auth(new Request(`${base}${path}`, { headers }), config)
  const set = res.headers.getSetCookie().map((c) => c.split(";")[0])
  return { status: res.status, body: await res.json(), set }
}

const decoded = await decode({ token: input.sessionCookie, secret: config.secret, salt: name })
const session = await call("/session", `${name}=${input.sessionCookie}`)
const csrf = await call("/csrf", `authjs.csrf-token=${input.csrfCookie}`)
const fresh = await call("/csrf")
const csrfCookie = decodeURIComponent(
  fresh.set.find((c) => c.startsWith("authjs.csrf-token=")).slice("authjs.csrf-token=".length)
)
// A session Auth.js encrypted with its last (oldest) secret only: Hallpass must find it by kid.
const oldSecretToken = await encode({
  token: { name: "Old Key", sub: "old-1" },
  secret: config.secret[config.secret.length - 1],
  salt: name,
})
const newSecretToken = await encode({ token: { name: "New Key", sub: "new-1" }, secret: config.secret, salt: name })
console.log(
  JSON.stringify({ secrets: config.secret.length, decoded, session, csrf, csrfCookie, oldSecretToken, newSecretToken })
)
