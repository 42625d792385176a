// Sign in with next-auth, then ask the Rust service who is signed in: the browser sends the same
// next-auth.session-token cookie to /service/whoami (proxied to the service, see next.config.js).
import { useEffect, useState } from "react";
import { signIn, signOut, useSession, SessionProvider } from "next-auth/react";

function Home() {
  const { data: session } = useSession();
  const [service, setService] = useState(null);
  useEffect(() => {
    fetch("/service/whoami").then(async (r) => setService({ status: r.status, body: await r.json() }));
  }, [session]);
  return (
    <main>
      <h1>Next.js + a Rust service, one sign-in</h1>
      {session ? (
        <p>Next.js says: signed in as {session.user.name} <button onClick={() => signOut()}>Sign out</button></p>
      ) : (
        <p>Next.js says: signed out <button onClick={() => signIn("cognito")}>Sign in</button></p>
      )}
      <p>The Rust service says: {service ? `${service.status} ${JSON.stringify(service.body)}` : "…"}</p>
    </main>
  );
}

export default function App() {
  return (
    <SessionProvider>
      <Home />
    </SessionProvider>
  );
}
