// Told after a server's versions changed (publish, status change, probe), so search can follow without the
// registry importing it. A hook's failure is its own business: the registry write has already happened.
export interface RegistryChangeHook {
  serverChanged(name: string): Promise<void>;
}

const changeHooks = new Set<RegistryChangeHook>();

export function addRegistryChangeHook(hook: RegistryChangeHook): () => void {
  changeHooks.add(hook);
  return () => changeHooks.delete(hook);
}

export async function notifyServerChanged(name: string): Promise<void> {
  for (const hook of changeHooks) await hook.serverChanged(name);
}
