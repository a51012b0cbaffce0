// Pacing: how a long pass lets the editor's requests through. A turn of the event loop every few
// milliseconds, a bound on our own unsent bytes, and a check that the client has handled what we sent
// (a client queues notifications ahead of the answer to a hover).
import { Connection } from 'vscode-languageserver';
import { configurationSection } from '../shared/protocol';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Our own bytes waiting to be written beyond which a pass waits. */
const maxBacklog = 8 * 1024;
/** How long a pass waits for the client's answer before it stops asking. */
const caughtUpTimeoutMs = 2000;

export class Pacing {
  /** A client that did not answer a configuration request in time. */
  private clientSilent = false;

  constructor(
    private readonly connection: Connection,
    /** Bytes written to the client but not yet taken by it (0 where the transport does not tell). */
    private readonly backlog: () => number,
    /** Whether the client answers workspace/configuration (the question clientCaughtUp asks). */
    private readonly canAsk: () => boolean,
  ) {}

  /** More of our messages wait to be written than a request should queue behind. */
  get behind(): boolean {
    return this.backlog() > maxBacklog;
  }

  /**
   * Lets requests in: three turns of the event loop, and, while more than maxBacklog bytes of our own
   * messages wait to be written, until they are (an answer queues behind every publish before it).
   * A request takes several turns from its bytes to its answer written (read, dispatched, written):
   * with one turn per chunk of the pass, a hover waited three or four chunks (13 to 30 ms during
   * corpus/real's pass, measured in the server); with three, about one (median 5 ms there, 9 ms at the client).
   */
  async pause(): Promise<void> {
    await yieldToEventLoop();
    await yieldToEventLoop();
    await yieldToEventLoop();
    for (let waited = 0; this.behind && waited < 2000; waited += 2) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /**
   * Resolves when the client has handled every message sent before it. A client reads eagerly and
   * queues what it has not handled yet, so a burst of diagnostics would sit ahead of the answer to a
   * hover (measured: up to 300 ms on 10,000 files). It answers requests in order, after the
   * notifications before them: a configuration request tells. Bounded, for a client that never answers
   * (then it is not asked again, unless a late answer comes).
   */
  clientCaughtUp(): Promise<void> {
    if (!this.canAsk() || this.clientSilent) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.clientSilent = true;
        resolve();
      }, caughtUpTimeoutMs);
      // A late answer (a busy editor, once) turns the pacing back on.
      const answered = (): void => {
        clearTimeout(timer);
        this.clientSilent = false;
        resolve();
      };
      this.connection.workspace.getConfiguration(configurationSection).then(answered, answered);
    });
  }
}
