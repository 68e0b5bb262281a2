// Which ERN message this is (root element, namespace, UpdateIndicator) and its MessageHeader.

import type { ProblemList } from './problems.ts';
import type { ErnVersion, MessageInfo, MessageKind, Party } from './types.ts';
import { parseDateTime } from './values.ts';
import { at, child, childrenNamed, textAt, type XmlElement } from './xml-tree.ts';

const ROOT_KINDS: Record<string, MessageKind> = {
  NewReleaseMessage: 'new',
  UpdateReleaseMessage: 'update',
  PurgeReleaseMessage: 'purge',
};

const ERN_NAMESPACE = /^https?:\/\/ddex\.net\/xml\/ern\/(\d+)\/?$/;

/** `382` → 3.8.2 and `43` → 4.3; the neighbours of each family are read alike, with a warning. */
function versionOf(root: XmlElement, problems: ProblemList): ErnVersion | null {
  const declared =
    Object.entries(root.attrs)
      .filter(([name]) => name === 'xmlns' || name.startsWith('xmlns:'))
      .map(([, uri]) => ERN_NAMESPACE.exec(uri)?.[1])
      .find((code) => code !== undefined) ?? /ern\/(\d+)/.exec(root.attrs.MessageSchemaVersionId ?? '')?.[1];
  if (declared === undefined) {
    problems.error('UNKNOWN_MESSAGE', root.path, 'no ERN namespace (http://ddex.net/xml/ern/382 or http://ddex.net/xml/ern/43) is declared');
    return null;
  }
  if (declared === '382') return '3.8.2';
  if (declared === '43') return '4.3';
  if (/^3\d+$/.test(declared)) {
    problems.warn('UNKNOWN_MESSAGE', root.path, `ERN ${declared} is read as ERN 3.8.2`);
    return '3.8.2';
  }
  if (/^4\d*$/.test(declared)) {
    problems.warn('UNKNOWN_MESSAGE', root.path, `ERN ${declared} is read as ERN 4.3`);
    return '4.3';
  }
  problems.error('UNKNOWN_MESSAGE', root.path, `ERN version ${declared} is not supported: send ERN 3.8.2 or 4.3`);
  return null;
}

function party(element: XmlElement | null): Party {
  return {
    partyId: textAt(element, 'PartyId'),
    name: textAt(element, 'PartyName', 'FullName') ?? textAt(element, 'PartyName'),
  };
}

export interface HeaderReading {
  /** null when the root is no ERN release message at all: nothing else is worth reading. */
  kind: MessageKind | null;
  /** The header as far as it could be read, for mapping the rest; ids may be blank. */
  draft: MessageInfo;
  /** The complete header, or null when a required part is missing or wrong. */
  info: MessageInfo | null;
}

/** Reads the header; problems for every missing or wrong part. */
export function readMessageInfo(root: XmlElement, problems: ProblemList): HeaderReading {
  const blank: MessageInfo = { kind: 'new', ernVersion: '4.3', id: '', threadId: null, createdAt: new Date(0).toISOString(), sender: { partyId: null, name: null }, recipients: [], controlType: null };
  let kind = ROOT_KINDS[root.name];
  if (kind === undefined) {
    problems.error('UNKNOWN_MESSAGE', root.path, `<${root.name}> is not an ERN NewReleaseMessage, UpdateReleaseMessage or PurgeReleaseMessage`);
    return { kind: null, draft: blank, info: null };
  }
  const ernVersion = versionOf(root, problems);
  if (kind === 'new' && textAt(root, 'UpdateIndicator') === 'UpdateMessage') kind = 'update';

  const header = child(root, 'MessageHeader');
  if (!header) {
    problems.error('MISSING', `${root.path}/MessageHeader`, 'the MessageHeader is missing');
    return { kind, draft: { ...blank, kind, ernVersion: ernVersion ?? blank.ernVersion }, info: null };
  }
  const id = textAt(header, 'MessageId');
  if (!id) problems.error('MISSING', `${header.path}/MessageId`, 'MessageId is missing');
  const createdRaw = textAt(header, 'MessageCreatedDateTime');
  let createdAt: string | null = null;
  if (!createdRaw) problems.error('MISSING', `${header.path}/MessageCreatedDateTime`, 'MessageCreatedDateTime is missing');
  else createdAt = problems.take(parseDateTime(createdRaw), 'BAD_DATE', at(header, 'MessageCreatedDateTime')!.path);
  const senderElement = child(header, 'MessageSender');
  const sender = party(senderElement);
  if (!senderElement || (!sender.partyId && !sender.name)) {
    problems.error('MISSING', `${header.path}/MessageSender`, 'MessageSender needs a PartyId or PartyName');
  }
  const draft: MessageInfo = {
    kind,
    ernVersion: ernVersion ?? blank.ernVersion,
    id: id ?? '',
    threadId: textAt(header, 'MessageThreadId'),
    createdAt: createdAt ?? blank.createdAt,
    sender,
    recipients: childrenNamed(header, 'MessageRecipient').map(party),
    controlType: textAt(header, 'MessageControlType'),
  };
  const complete = id && createdAt && ernVersion && (sender.partyId || sender.name);
  return { kind, draft, info: complete ? draft : null };
}
