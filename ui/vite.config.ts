/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// The window loads the built files from the binary (custom protocol); the dev server
// is only for `npm run dev`. Tauri expects a fixed port and no clearing of its output.
export default defineConfig({
  plugins: [vue()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },
  test: { environment: "happy-dom", include: ["src/**/*.test.ts"] },
});
