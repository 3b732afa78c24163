// The shape every benchmark case takes. A case measures the product next to a baseline measured in
// the same run (bare Aedes, bare InfluxDB writes, a naive renderer …) and reports ratios.
export interface BenchOptions {
  /** how long a sustained case runs (default 60; --seconds N; --quick = 10) */
  seconds: number;
  quick: boolean;
  /** progress output for long work (stderr) */
  log(line: string): void;
}

export interface BenchResult {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** where the time goes, goals met or not, caveats */
  notes?: string[];
}

export interface BenchCase {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<BenchResult>;
}
