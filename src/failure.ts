// How a failure of the upstream travels to the answer: 502 when it answered badly or not at all,
// 504 when it ran out of time. Stale copies answer instead wherever there is one.

export interface Failure {
  kind: 'failed';
  status: 502 | 504;
  message: string;
}

export function failed(status: Failure['status'], message: string): Failure {
  return { kind: 'failed', status, message };
}
