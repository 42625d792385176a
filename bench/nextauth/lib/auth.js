// next-auth options: the Cognito provider as the tutorial configures it. The benchmark only sends
// requests that carry a session cookie, so the (dummy) issuer is never contacted.
import CognitoProvider from "next-auth/providers/cognito";

export const authOptions = {
  providers: [
    CognitoProvider({
      clientId: process.env.COGNITO_CLIENT_ID || "bench",
      clientSecret: process.env.COGNITO_CLIENT_SECRET || "bench-secret",
      issuer: process.env.COGNITO_ISSUER || "http://127.0.0.1:1/us-east-1_Bench",
    }),
  ],
  secret: process.env.NEXTAUTH_SECRET,
};
