import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { UserDirectory } from "../domain/access.js";

interface Cached<T> {
  value: T;
  until: number;
}

type Profile = { teamId: string | null; guest: boolean } | null;

/**
 * Who a Slack user is, from Slack's own directory: `users.info` (workspace, guest) and
 * `usergroups.list` with members. Answers are cached briefly: long enough that a burst of clicks
 * costs one call (Slack rate-limits these, `usergroups.list` to about 20 a minute), short enough
 * that a removed guest or group member loses access within a minute. A lookup is cached from the
 * moment it starts, so requests that come while it runs (ten form submissions just after a
 * restart) wait for the same call instead of each making its own.
 */
export class SlackUserDirectory implements UserDirectory {
  private readonly users = new Map<string, Cached<Promise<Profile>>>();
  private groups: Cached<Promise<Map<string, string[]>>> | undefined;
  private groupsUnavailable = false;

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
  ) {}

  describe(userId: string): Promise<Profile> {
    const cached = this.users.get(userId);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = this.lookUp(userId);
    const entry = { value, until: Date.now() + this.ttlMs };
    this.users.set(userId, entry);
    // A failed lookup is not an answer: the next request asks Slack again.
    value.catch(() => {
      if (this.users.get(userId) === entry) this.users.delete(userId);
    });
    return value;
  }

  async groupsOf(userId: string): Promise<string[]> {
    const members = await this.groupMembers();
    return [...members.entries()].filter(([, users]) => users.includes(userId)).map(([groupId]) => groupId);
  }

  private async lookUp(userId: string): Promise<Profile> {
    try {
      const answer = await this.client.users.info({ user: userId });
      const user = answer.user;
      return user && !user.deleted ? { teamId: user.team_id ?? null, guest: Boolean(user.is_restricted || user.is_ultra_restricted) } : null;
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error !== "user_not_found") throw error;
      return null;
    }
  }

  private groupMembers(): Promise<Map<string, string[]>> {
    if (this.groups && this.groups.until > Date.now()) return this.groups.value;
    this.groups = { value: this.listGroups(), until: Date.now() + this.ttlMs };
    return this.groups.value;
  }

  /** Never fails: without the usergroups:read scope grants to groups cannot apply; grants to people still do. */
  private async listGroups(): Promise<Map<string, string[]>> {
    const members = new Map<string, string[]>();
    try {
      const answer = await this.client.usergroups.list({ include_users: true });
      for (const group of answer.usergroups ?? []) if (group.id) members.set(group.id, group.users ?? []);
      this.groupsUnavailable = false;
    } catch (error) {
      if (!this.groupsUnavailable) this.logger.warn({ err: error }, "could not list Slack user groups; grants to user groups do not apply");
      this.groupsUnavailable = true;
    }
    return members;
  }
}
