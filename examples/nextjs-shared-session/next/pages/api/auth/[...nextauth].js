// next-auth v4 with the Cognito provider (real Cognito or the local user pool). The session is a
// JWT cookie, `next-auth.session-token`, which the Rust service reads with AUTH_COMPAT=next-auth-v4.
import NextAuth from "next-auth";
import CognitoProvider from "next-auth/providers/cognito";

export const authOptions = {
  providers: [
    CognitoProvider({
      clientId: process.env.COGNITO_CLIENT_ID,
      clientSecret: process.env.COGNITO_CLIENT_SECRET,
      issuer: process.env.COGNITO_ISSUER,
    }),
  ],
  secret: process.env.NEXTAUTH_SECRET,
  callbacks: {
    // Keep Cognito's groups in the token, where the Rust service finds them.
    async jwt({ token, profile }) {
      if (profile && profile["cognito:groups"]) token["cognito:groups"] = profile["cognito:groups"];
      return token;
    },
  },
};

export default NextAuth(authOptions);
