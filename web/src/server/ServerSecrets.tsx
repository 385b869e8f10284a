// A server's secrets, for admins: names, dates and the versions each is granted to; set (write-only: the value
// never comes back) and delete. The values reach only the versions granted them (decision 0004).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/client.js";
import { useApp } from "../app-context.js";
import { Empty, Loading, ProblemMessage, Time } from "../components/common.js";

export function ServerSecrets({ name, version }: { name: string; version: string }) {
  const { client } = useApp();
  const queryClient = useQueryClient();
  const secrets = useQuery({
    queryKey: ["server", name, "secrets"],
    queryFn: async () =>
      unwrap(await client.GET("/v1/servers/{name}/secrets", { params: { path: { name } } })),
  });
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [versions, setVersions] = useState(version);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["server", name] });
  const put = useMutation({
    mutationFn: async () =>
      unwrap(
        await client.PUT("/v1/servers/{name}/secrets/{key}", {
          params: { path: { name, key } },
          body: { value, ...(versions.trim() ? { versions: versions.trim() } : {}) },
        }),
      ),
    onSuccess: () => {
      setValue("");
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (secret: string) =>
      unwrap(
        await client.DELETE("/v1/servers/{name}/secrets/{key}", { params: { path: { name, key: secret } } }),
      ),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    put.mutate();
  };
  return (
    <>
      {secrets.isPending && <Loading what="secrets" />}
      <ProblemMessage error={secrets.error ?? remove.error} />
      {secrets.data && secrets.data.secrets.length === 0 && <Empty>No secrets stored for this server.</Empty>}
      {secrets.data && secrets.data.secrets.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Granted to</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {secrets.data.secrets.map((secret) => (
              <tr key={secret.key}>
                <td>
                  <code>{secret.key}</code>
                </td>
                <td>{secret.versions ?? <span className="muted">no version</span>}</td>
                <td>
                  <Time iso={secret.updatedAt} />
                </td>
                <td>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      if (window.confirm(`Delete the secret ${secret.key}? Runs that need it will fail.`))
                        remove.mutate(secret.key);
                    }}
                  >
                    Delete {secret.key}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={submit} className="toolbar" aria-labelledby="set-secret">
        <h2 id="set-secret" style={{ width: "100%" }}>
          Set a secret
        </h2>
        <div>
          <label htmlFor="secret-key">Name</label>
          <input
            id="secret-key"
            value={key}
            required
            pattern="[A-Za-z0-9_.\-]{1,128}"
            onChange={(e) => setKey(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor="secret-value">Value (write-only)</label>
          <input
            id="secret-value"
            type="password"
            autoComplete="off"
            value={value}
            required
            onChange={(e) => setValue(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor="secret-versions">Granted to versions</label>
          <input id="secret-versions" value={versions} onChange={(e) => setVersions(e.target.value)} />
        </div>
        <button type="submit" disabled={put.isPending}>
          Save secret
        </button>
      </form>
      <ProblemMessage error={put.error} />
      {put.isSuccess && <p role="status">Saved.</p>}
    </>
  );
}
