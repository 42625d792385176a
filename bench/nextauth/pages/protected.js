// The protected page, checked on the server with getServerSession, rendering the same content as
// the Hallpass example site's /protected.
import Head from "next/head";
import { getServerSession } from "next-auth/next";
import { authOptions } from "../lib/auth";

export async function getServerSideProps({ req, res }) {
  const session = await getServerSession(req, res, authOptions);
  if (!session) {
    return { redirect: { destination: "/", permanent: false } };
  }
  res.setHeader("Cache-Control", "no-store");
  const user = session.user || {};
  return { props: { name: user.name || user.email || "" } };
}

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="4" y="10" width="16" height="11" rx="2"/><path d="M8 10V7a4 4 0 0 1 8 0v3"/><circle cx="12" cy="15.5" r="1.5"/></svg>';

export default function Protected({ name }) {
  return (
    <>
      <Head>
        <title>Protected · Example Hallpass Sign In</title>
        <link rel="stylesheet" href="/static/site.css" />
        <link rel="icon" href="/static/logo.svg" type="image/svg+xml" />
      </Head>
      <main className="card">
        <div className="logo" dangerouslySetInnerHTML={{ __html: LOGO }} />
        <h1>Protected</h1>
        <p>
          Signed in as <span className="who">{name}</span>.
        </p>
        <div className="prose">
          <p>
            This page is checked on the server: without a session the request never reaches this handler and the
            browser is sent home. The session is one encrypted cookie, read once per request, with no call to the
            identity provider.
          </p>
        </div>
        <div className="actions">
          <a className="button secondary" href="/">
            Back home
          </a>
        </div>
      </main>
      <footer>Built with Hallpass · Rust + axum</footer>
    </>
  );
}
