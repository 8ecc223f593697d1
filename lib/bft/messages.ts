/**
 * PBFT's messages (Castro and Liskov, OSDI 1999, §4). Every message is signed by the
 * node named in its `from` (or `client`) field; a replica acts on a message only when
 * its signature checks out, whoever delivered it.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import { canonical, digestText, type Signed } from "./signatures.ts";

/** A client's request: add `amount` to the replicated ledger (§4.1: ⟨REQUEST, o, t, c⟩). */
export interface Request extends Signed {
  /** The kind. */
  readonly type: "Request";
  /** The client that sent it. */
  readonly client: NodeId;
  /** The client's request number: 1, 2, 3, ... (a retry carries the same number). */
  readonly timestamp: number;
  /** The operation: add this to the ledger. */
  readonly amount: number;
}

/** The digest of the null request a new primary proposes for a gap (§4.4). */
export const NULL_DIGEST = "null";

/** The digest of a request (or {@link NULL_DIGEST} for null). */
export function requestDigest(request: Request | null): string {
  if (request === null) return NULL_DIGEST;
  return digestText(canonical({
    client: request.client,
    timestamp: request.timestamp,
    amount: request.amount,
  }));
}

/** ⟨PRE-PREPARE, v, n, d⟩ with the request m: the primary assigns sequence number n. */
export interface PrePrepare extends Signed {
  /** The kind. */
  readonly type: "PrePrepare";
  /** The view. */
  readonly view: number;
  /** The sequence number. */
  readonly seq: number;
  /** The request's digest. */
  readonly digest: string;
  /** The request (null for a null request in a new view). */
  readonly request: Request | null;
  /** The primary. */
  readonly from: NodeId;
}

/** ⟨PREPARE, v, n, d, i⟩: backup i accepted the pre-prepare. */
export interface Prepare extends Signed {
  /** The kind. */
  readonly type: "Prepare";
  /** The view. */
  readonly view: number;
  /** The sequence number. */
  readonly seq: number;
  /** The digest it accepted. */
  readonly digest: string;
  /** The backup. */
  readonly from: NodeId;
}

/** ⟨COMMIT, v, n, d, i⟩: replica i has prepared the request. */
export interface Commit extends Signed {
  /** The kind. */
  readonly type: "Commit";
  /** The view. */
  readonly view: number;
  /** The sequence number. */
  readonly seq: number;
  /** The digest it prepared. */
  readonly digest: string;
  /** The replica. */
  readonly from: NodeId;
}

/** ⟨REPLY, v, t, c, i, r⟩: replica i executed the client's request with result r. */
export interface Reply extends Signed {
  /** The kind. */
  readonly type: "Reply";
  /** The replica's view (so the client learns the primary). */
  readonly view: number;
  /** The client. */
  readonly client: NodeId;
  /** The request's number. */
  readonly timestamp: number;
  /** The result: the ledger's total after the request. */
  readonly result: number;
  /** The replica. */
  readonly from: NodeId;
}

/**
 * A prepared certificate (the P set's element, §4.4): the pre-prepare and 2f matching
 * prepares from distinct backups, all signed, so anyone can check the claim.
 */
export interface PreparedCertificate {
  /** The sequence number. */
  readonly seq: number;
  /** The view it prepared in. */
  readonly view: number;
  /** The digest. */
  readonly digest: string;
  /** The pre-prepare (carries the request). */
  readonly prePrepare: PrePrepare;
  /** The matching prepares. */
  readonly prepares: readonly Prepare[];
}

/** ⟨VIEW-CHANGE, v+1, n, C, P, i⟩: replica i moves to `view` and says what it prepared. */
export interface ViewChange extends Signed {
  /** The kind. */
  readonly type: "ViewChange";
  /** The view it moves to. */
  readonly view: number;
  /** The last sequence number it executed (informative: no checkpoints here). */
  readonly lastExecuted: number;
  /** A certificate for each sequence number it prepared, in its highest view. */
  readonly prepared: readonly PreparedCertificate[];
  /** The replica. */
  readonly from: NodeId;
}

/** ⟨NEW-VIEW, v+1, V, O⟩: the new primary's proof (V) and its re-proposals (O). */
export interface NewView extends Signed {
  /** The kind. */
  readonly type: "NewView";
  /** The new view. */
  readonly view: number;
  /** 2f + 1 valid view-change messages for this view. */
  readonly viewChanges: readonly ViewChange[];
  /** Pre-prepares in the new view: prepared requests again, null requests for gaps. */
  readonly prePrepares: readonly PrePrepare[];
  /** The new primary. */
  readonly from: NodeId;
}

/** A lagging replica says how far it executed, asking for what it missed. */
export interface Status extends Signed {
  /** The kind. */
  readonly type: "Status";
  /** The last sequence number it executed. */
  readonly lastExecuted: number;
  /** The replica. */
  readonly from: NodeId;
}

/**
 * A committed certificate (the request and 2f + 1 matching signed commits): proof that a
 * sequence number is decided, sent to a replica that fell behind. It stands in for the
 * paper's state transfer, which this model simplifies away with checkpoints.
 */
export interface Committed extends Signed {
  /** The kind. */
  readonly type: "Committed";
  /** The sequence number. */
  readonly seq: number;
  /** The view the commits are from. */
  readonly view: number;
  /** The digest. */
  readonly digest: string;
  /** The request (null for a null request). */
  readonly request: Request | null;
  /** The commits. */
  readonly commits: readonly Commit[];
  /** The replica that sends it. */
  readonly from: NodeId;
}

/** Every PBFT message. */
export type PbftMessage =
  | Request
  | PrePrepare
  | Prepare
  | Commit
  | Reply
  | ViewChange
  | NewView
  | Status
  | Committed;
