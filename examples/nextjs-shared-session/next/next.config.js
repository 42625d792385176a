/** @type {import('next').NextConfig} */
// /service/* goes to the Rust service on port 4000: one origin, so the browser sends it the same
// next-auth.session-token cookie.
module.exports = {
  reactStrictMode: true,
  poweredByHeader: false,
  async rewrites() {
    return [{ source: "/service/:path*", destination: "http://127.0.0.1:4000/service/:path*" }];
  },
};
