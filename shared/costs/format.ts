// How an amount of a run's cost reads (the CLI's run get, the console's run monitor): enough digits to tell a run of
// a tenth of a cent from one of a hundredth.
export function formatUsd(usd: number): string {
  return `$${usd >= 0.01 ? usd.toFixed(4) : usd.toPrecision(3)}`;
}
