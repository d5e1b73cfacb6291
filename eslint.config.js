// Strict where it matters for a daemon that drives hardware: a promise nobody awaits is a door
// command nobody checks.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { layerConfigs } from "./eslint.layers.js";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "var/", "coverage/", "test-artifacts/", "src/page/assets/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  // the layers of src/, kept by lint (eslint.layers.js)
  ...layerConfigs,
);
