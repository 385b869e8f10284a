// Sign-in. Locally: the one-time link `npm start` prints (its code is in the URL's fragment, which no request
// carries, and is exchanged once for a session), or a pasted token or API key. On AWS: Cognito's hosted UI.
import { type FormEvent, useState } from "react";
import type { RuntimeConfig } from "../config.js";
import { type Session, sessionFromPasted } from "./session.js";

export function SignIn(props: {
  config: RuntimeConfig;
  notice?: string | undefined;
  onSignedIn(session: Session): void;
}) {
  const [pasted, setPasted] = useState("");
  const [error, setError] = useState<string>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!pasted.trim()) {
      setError("Paste a token or an API key.");
      return;
    }
    props.onSignedIn(sessionFromPasted(pasted));
  };

  return (
    <main className="page sign-in" id="main">
      <h1>Sign in to mcpflow</h1>
      {props.notice && <p role="status">{props.notice}</p>}
      {props.config.auth.kind === "cognito" && (
        <p>
          <button
            type="button"
            onClick={() => {
              const auth = props.config.auth;
              if (auth.kind !== "cognito") return;
              void import("./cognito.js").then(({ startCognitoSignIn }) => startCognitoSignIn(auth));
            }}
          >
            Sign in with your organisation's account
          </button>
        </p>
      )}
      <form onSubmit={submit} aria-describedby="paste-help">
        <label htmlFor="credential">Token or API key</label>
        <textarea
          id="credential"
          rows={3}
          value={pasted}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setPasted(event.target.value)}
        />
        <p id="paste-help" className="hint">
          {props.config.auth.kind === "local"
            ? "Open the sign-in link `npm start` printed, or paste the token from .mcpflow/dev-token or an API key."
            : "Paste an API key, or sign in with your organisation's account above."}
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
