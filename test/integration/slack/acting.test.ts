// What acting from Slack asks of Slack, against the fake Slack over real HTTP: the members of a user group
// (usergroups.users.list, remembered briefly) and private answers through a press's response_url, which must
// never be posted anywhere but Slack's hooks host.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackWebClients,
  SlackAdapter,
  SlackResponseUrl,
} from '../../../functions/adapters/slack/index.js';
import { SlackDeliveryError } from '../../../functions/ports.js';
import { FakeSlack } from '../../../local/fake-slack/index.js';

let slack: FakeSlack;
let elsewhere: Server;
let elsewhereUrl: string;
const elsewhereHits: string[] = [];

beforeAll(async () => {
  slack = await FakeSlack.start();
  elsewhere = createServer((req, res) => {
    elsewhereHits.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await slack.stop();
  await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
});
beforeEach(() => {
  slack.reset();
  elsewhereHits.length = 0;
});

describe('user groups', () => {
  it('lists a group’s members, and remembers them for a minute', async () => {
    let now = 1_000_000;
    const adapter = new SlackAdapter(
      createSlackWebClients({ token: slack.token, apiUrl: slack.url, retries: 0 }),
      { now: () => now },
    );
    slack.setUserGroup('S0OPSGRP01', ['U0OPERATOR1', 'U0OPERATOR2']);
    expect(await adapter.members('S0OPSGRP01')).toEqual(['U0OPERATOR1', 'U0OPERATOR2']);
    slack.setUserGroup('S0OPSGRP01', ['U0OPERATOR3']);
    now += 59_000;
    expect(await adapter.members('S0OPSGRP01')).toEqual(['U0OPERATOR1', 'U0OPERATOR2']);
    now += 2_000;
    expect(await adapter.members('S0OPSGRP01')).toEqual(['U0OPERATOR3']);
    expect(slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(2);
    expect(slack.calls[0]?.args).toMatchObject({ usergroup: 'S0OPSGRP01' });
  });

  it('rejects with a SlackDeliveryError when Slack cannot say', async () => {
    const adapter = new SlackAdapter(
      createSlackWebClients({ token: slack.token, apiUrl: slack.url, retries: 0 }),
    );
    await expect(adapter.members('S0UNKNOWN1')).rejects.toBeInstanceOf(SlackDeliveryError);
    slack.inject({ kind: 'platform-error', error: 'missing_scope', method: 'usergroups.users.list' });
    slack.setUserGroup('S0OPSGRP01', ['U0OPERATOR1']);
    await expect(adapter.members('S0OPSGRP01')).rejects.toMatchObject({
      kind: 'subscription',
      code: 'missing_scope',
    });
  });
});

describe('answers through response_url', () => {
  it('posts an ephemeral answer to a response URL on the hooks host', async () => {
    const responder = new SlackResponseUrl({ hooksUrl: slack.hooksUrl });
    const url = slack.responseUrl();
    const answer = { response_type: 'ephemeral', replace_original: false, text: 'Not allowed' };
    expect(await responder.respond(url, answer)).toBe(true);
    expect(slack.responses).toEqual([{ url, body: answer, status: 200, at: expect.any(String) }]);
  });

  it.each([
    ['another host', () => `${elsewhereUrl}/hooks/actions/T1/2/3`],
    ['a look-alike path', () => `${slack.hooksUrl.replace('/hooks/', '/hookss/')}actions/T1/2/3`],
    ['the hooks root itself', () => slack.hooksUrl],
    ['credentials in the URL', () => slack.hooksUrl.replace('http://', 'http://user:pw@')],
    ['not a URL', () => 'hooks.slack.com/actions'],
  ])('never calls %s', async (_name, url) => {
    const failures: string[] = [];
    const responder = new SlackResponseUrl({ hooksUrl: slack.hooksUrl, onFailure: (r) => failures.push(r) });
    expect(await responder.respond(url(), { text: 'x' })).toBe(false);
    expect(slack.responses).toEqual([]);
    expect(elsewhereHits).toEqual([]);
    expect(failures).toHaveLength(1);
  });

  it('only takes Slack’s own host by default, over https', () => {
    const responder = new SlackResponseUrl();
    expect(responder.accepts('https://hooks.slack.com/actions/T1/2/3')).not.toBeNull();
    expect(responder.accepts('http://hooks.slack.com/actions/T1/2/3')).toBeNull();
    expect(responder.accepts('https://hooks.slack.com.evil.example/actions/T1/2/3')).toBeNull();
    expect(responder.accepts('https://evil.example/?https://hooks.slack.com/actions/')).toBeNull();
    expect(() => new SlackResponseUrl({ hooksUrl: 'http://hooks.example.com/' })).toThrow(/https/);
  });

  it('says false when Slack will not take more answers on a URL', async () => {
    const responder = new SlackResponseUrl({ hooksUrl: slack.hooksUrl });
    const url = slack.responseUrl();
    for (let i = 0; i < 5; i++) expect(await responder.respond(url, { text: `answer ${i}` })).toBe(true);
    expect(await responder.respond(url, { text: 'one too many' })).toBe(false);
  });
});
