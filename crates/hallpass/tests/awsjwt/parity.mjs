// The real aws-jwt-verify's answer for each token Hallpass's parity test (tests/it/awsjwt_node.rs)
// sends. Input (stdin, JSON): { issuer, jwksUri, graceSeconds, cases: [{ token, tokenUse, clientId,
// scope?, groups? }] }. Output (stdout, JSON): [{ accepted, error? }] in the same order.
//
// A local pool's issuer is `http://127.0.0.1:PORT/<poolId>`, not the
// `https://cognito-idp.<region>.amazonaws.com/<poolId>` that CognitoJwtVerifier derives from the
// pool id, and its JWKS is served over plain http, which the package's default fetcher refuses. So
// this uses the package's documented way to verify Cognito tokens of another issuer ("Using the
// generic JWT verifier for Cognito JWTs"): JwtVerifier with `audience: null` and the Cognito checks
// (`validateCognitoJwtFields`: token_use, client_id / aud, groups) in `customJwtCheck`, exactly
// what CognitoJwtVerifier.verify runs after the generic checks; and its documented custom
// `Fetcher` for the JWKS ("Using a different Fetcher with SimpleJwksCache"), here Node's fetch.
import { JwtVerifier } from "aws-jwt-verify"
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier"
import { SimpleJwksCache } from "aws-jwt-verify/jwk"

class HttpFetcher {
  async fetch(uri) {
    const res = await fetch(uri)
    if (res.status !== 200) {
      throw new Error(`${uri}: status ${res.status}`)
    }
    return res.arrayBuffer()
  }
}

let text = ""
for await (const chunk of process.stdin) {
  text += chunk
}
const input = JSON.parse(text)
const jwksCache = new SimpleJwksCache({ fetcher: new HttpFetcher() })

const answers = []
for (const c of input.cases) {
  const verifier = JwtVerifier.create(
    {
      issuer: input.issuer,
      jwksUri: input.jwksUri,
      audience: null,
      graceSeconds: input.graceSeconds,
      scope: c.scope ?? undefined,
      customJwtCheck: ({ payload }) =>
        validateCognitoJwtFields(payload, {
          tokenUse: c.tokenUse,
          clientId: c.clientId,
          groups: c.groups ?? null,
        }),
    },
    { jwksCache }
  )
  try {
    await verifier.verify(c.token)
    answers.push({ accepted: true })
  } catch (err) {
    answers.push({ accepted: false, error: `${err.constructor.name}: ${err.message}` })
  }
}
process.stdout.write(JSON.stringify(answers))
