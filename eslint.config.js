// ESLint for the page scripts (app/static: ES modules in the browser) and the benchmarks'
// Node scripts (bench). Run by tests/test_code_quality.py with --max-warnings 0.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: [".venv/", "node_modules/", "app/static/vendor/", ".cache/", "data/", "bench/work/", "test-artifacts/"],
  },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // What catches real mistakes, beyond the recommended set.
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
      "no-undef": "error",
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
      "no-shadow": "error",
      "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
      "no-implicit-globals": "error",
      "no-implied-eval": "error",
      "no-eval": "error",
      "no-new-func": "error",
      "no-throw-literal": "error",
      "no-promise-executor-return": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "no-constructor-return": "error",
      "no-return-assign": "error",
      "no-sequences": "error",
      "no-unused-expressions": "error",
      "no-useless-concat": "error",
      "no-param-reassign": "error",
      "array-callback-return": "error",
      "default-param-last": "error",
      radix: "error",
    },
  },
  {
    files: ["app/static/**/*.js"],
    languageOptions: { globals: globals.browser },
    rules: {
      "no-console": "error",
      // Browser globals that read like local names (a forgotten declaration stays an error).
      "no-restricted-globals": [
        "error",
        "event", "name", "status", "length", "top", "parent", "self", "origin", "closed",
        { name: "fetch", message: "Talk to the server through app/static/api.js." },
        { name: "XMLHttpRequest", message: "Talk to the server through app/static/api.js." },
      ],
    },
  },
  {
    // The one module that talks to the server.
    files: ["app/static/api.js"],
    rules: { "no-restricted-globals": ["error", "event", "name", "status"] },
  },
  {
    // Node's own globals only: these are ES modules too (package.json), with no require().
    files: ["bench/**/*.js", "tests/**/*.mjs", "eslint.config.js"],
    languageOptions: { globals: globals.nodeBuiltin },
  },
];
