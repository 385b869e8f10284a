// The console's build: React + Vite, static files in web/dist that `npm start` serves at `/` and the web stack
// uploads to S3. `npm run dev:web` serves the sources with hot reload and proxies the API to a running platform.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const platform = process.env.MCPFLOW_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Budget: the first page's JavaScript stays under 300 KB gzip; editors and the graph are separate chunks.
    chunkSizeWarningLimit: 900,
    sourcemap: false,
    // dist/.vite/manifest.json: which chunks each page loads, for the first-page budget (bench/web.ts).
    manifest: true,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    proxy: {
      "/v1": platform,
      "/v0.1": platform,
      "/config.json": platform,
    },
  },
});
