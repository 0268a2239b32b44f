import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { UserDirectory } from "../domain/access.js";

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Who a Slack user is, from Slack's own directory: `users.info` (workspace, guest) and
 * `usergroups.list` with members. Answers are cached briefly: long enough that a burst of clicks
 * costs one call (Slack rate-limits these), short enough that a removed guest or group member
 * loses access within a minute.
 */
export class SlackUserDirectory implements UserDirectory {
  private readonly users = new Map<string, Cached<{ teamId: string | null; guest: boolean } | null>>();
  private groups: Cached<Map<string, string[]>> | undefined;
  private groupsUnavailable = false;

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
  ) {}

  async describe(userId: string): Promise<{ teamId: string | null; guest: boolean } | null> {
    const cached = this.users.get(userId);
    if (cached && cached.until > Date.now()) return cached.value;
    let value: { teamId: string | null; guest: boolean } | null;
    try {
      const answer = await this.client.users.info({ user: userId });
      const user = answer.user;
      value = user && !user.deleted ? { teamId: user.team_id ?? null, guest: Boolean(user.is_restricted || user.is_ultra_restricted) } : null;
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error !== "user_not_found") throw error;
      value = null;
    }
    this.users.set(userId, { value, until: Date.now() + this.ttlMs });
    return value;
  }

  async groupsOf(userId: string): Promise<string[]> {
    const members = await this.groupMembers();
    return [...members.entries()].filter(([, users]) => users.includes(userId)).map(([groupId]) => groupId);
  }

  private async groupMembers(): Promise<Map<string, string[]>> {
    if (this.groups && this.groups.until > Date.now()) return this.groups.value;
    const members = new Map<string, string[]>();
    try {
      const answer = await this.client.usergroups.list({ include_users: true });
      for (const group of answer.usergroups ?? []) if (group.id) members.set(group.id, group.users ?? []);
      this.groupsUnavailable = false;
    } catch (error) {
      // Without the usergroups:read scope grants to groups cannot apply; grants to people still do.
      if (!this.groupsUnavailable) this.logger.warn({ err: error }, "could not list Slack user groups; grants to user groups do not apply");
      this.groupsUnavailable = true;
    }
    this.groups = { value: members, until: Date.now() + this.ttlMs };
    return members;
  }
}
