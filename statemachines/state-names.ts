// The names the compiler gives a workflow's states. The execution history names states, so whoever reads it (the
// console's timeline) finds a step's events by these names; kept apart from the compiler so a reader need not
// bundle it.
export const stateNames = {
  start: "Start run",
  startServers: "Start servers",
  startServer: (n: number) => `Start server ${n}`,
  serverFailed: (n: number) => `Server ${n} did not start`,
  output: "Build output",
  call: (id: string) => `Call ${id}`,
  forEach: (id: string) => `For each ${id}`,
  check: (id: string) => `Check ${id}`,
  skip: (id: string) => `Skip ${id}`,
  failed: (id: string) => `Record failure ${id}`,
  parallel: (n: number) => `Parallel ${n}`,
};

/**
 * The Resource of the states that start a run's server tasks ("Start servers"): the embedded engine, whose servers
 * are the platform's own processes, passes them by without doing anything.
 */
export const SERVER_START_RESOURCE = "arn:aws:states:::ecs:runTask.waitForTaskToken";
