/**
 * `channel-link-server token --app-id .. --app-certificate .. --channel .. --uid .. --expires-in ..
 * [--role host|audience] [--no-publish] [--attributes JSON]` prints a signed JWT (for development
 * and scripts; an app backend calls createToken() or any JWT library: docs/backend.md).
 */
import { Option, type Command } from 'commander';
import { ChannelLinkError } from '../src/errors.js';
import type { CreateTokenOptions } from './tokens.js';

export type TokenRequest = Omit<CreateTokenOptions, 'now'>;

interface RawTokenOptions {
  appId: string;
  appCertificate?: string;
  channel: string;
  uid: string;
  stringUid?: boolean;
  expiresIn: string;
  role?: string;
  publish: boolean;
  attributes?: string;
}

const invalid = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

export function addTokenCommand(program: Command, onToken: (request: TokenRequest) => void): void {
  program
    .command('token')
    .description('print a token signed with the app certificate, then exit')
    .addOption(new Option('--app-id <appId>', 'the app the token is for').default('default'))
    .addOption(new Option('--app-certificate <secret>', 'the secret the server checks tokens with').env('CHANNEL_LINK_APP_CERTIFICATE'))
    .requiredOption('--channel <channel>', 'the channel the token admits to')
    .requiredOption('--uid <uid>', 'the uid it admits: digits make a numeric uid (0: any uid), anything else a string uid')
    .option('--string-uid', 'take --uid as a string uid even if it is all digits')
    .addOption(new Option('--expires-in <seconds>', 'lifetime in seconds').default('3600'))
    .addOption(new Option('--role <role>', 'the only role the token admits (default: either)').choices(['host', 'audience']))
    .option('--no-publish', 'the member may not publish (canPublish: false)')
    .option('--attributes <json>', 'attributes the token fixes, as a JSON object of strings')
    .allowExcessArguments(false)
    .action((raw: RawTokenOptions) => {
      if (!raw.appCertificate) invalid('--app-certificate (or CHANNEL_LINK_APP_CERTIFICATE) is required');
      const seconds = Number(raw.expiresIn);
      if (!/^\d+(\.\d+)?$/.test(raw.expiresIn.trim()) || !(seconds > 0)) invalid(`--expires-in must be a positive number of seconds (got "${raw.expiresIn}")`);
      const numeric = !raw.stringUid && /^\d+$/.test(raw.uid);
      let attributes: Record<string, string> | undefined;
      if (raw.attributes !== undefined) {
        try {
          attributes = JSON.parse(raw.attributes) as Record<string, string>;
        } catch {
          invalid(`--attributes must be a JSON object of strings (got ${raw.attributes})`);
        }
      }
      onToken({
        ...(raw.role === undefined ? {} : { role: raw.role as 'host' | 'audience' }),
        ...(raw.publish ? {} : { canPublish: false }),
        ...(attributes === undefined ? {} : { attributes }),
        appId: raw.appId,
        appCertificate: raw.appCertificate!,
        channel: raw.channel,
        uid: numeric ? Number(raw.uid) : raw.uid,
        expiresInSeconds: seconds,
      });
    });
}
