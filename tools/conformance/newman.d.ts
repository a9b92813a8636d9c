/**
 * The small part of newman's Node API (https://github.com/postmanlabs/newman#api-reference) that
 * the conformance runner uses; newman ships no type declarations.
 */
declare module 'newman' {
  export interface NewmanRunOptions {
    collection: string | object;
    envVar?: { key: string; value: string }[];
    folder?: string | string[];
    reporters?: string | string[];
    timeoutRequest?: number;
    timeout?: number;
    insecure?: boolean;
    bail?: boolean;
  }

  export interface NewmanStat {
    total: number;
    pending: number;
    failed: number;
  }

  export interface NewmanAssertion {
    assertion: string;
    skipped?: boolean;
    error?: { name: string; message: string; test?: string };
  }

  export interface NewmanResponse {
    code: number;
    status?: string;
    stream?: Buffer | { type: 'Buffer'; data: number[] };
    text?(): string;
  }

  export interface NewmanExecution {
    id: string;
    cursor?: { ref: string; iteration: number; position: number };
    item: { id: string; name: string };
    request?: { method: string; url: { toString(): string } };
    response?: NewmanResponse;
    requestError?: { message: string; code?: string };
    assertions?: NewmanAssertion[];
  }

  export interface NewmanFailure {
    error: { name: string; message: string; test?: string; index?: number; checksum?: string };
    at: string;
    source?: { id?: string; name?: string };
    parent?: { id?: string; name?: string };
    cursor?: { ref: string; position: number };
  }

  export interface NewmanRunSummary {
    run: {
      stats: { requests: NewmanStat; assertions: NewmanStat; testScripts: NewmanStat; prerequestScripts: NewmanStat };
      executions: NewmanExecution[];
      failures: NewmanFailure[];
      error?: Error;
    };
  }

  export function run(
    options: NewmanRunOptions,
    callback: (error: Error | null, summary: NewmanRunSummary) => void,
  ): unknown;
}
