/**
 * Facts of the four seed pages (examples/seeds/), written by hand from the seeds. Each
 * vendor's `seed` quotes are the seed's own words (the test checks they occur in it); the
 * other entries say how the page generated from the example map must show the same fact,
 * in the map's vocabulary (the seed's "Your name, email address" is the fields Name and
 * Email address). `location`, `entity` and `address` are exact: what a seed does not
 * state must not appear (0 invented).
 */
export interface SeedVendor {
  key: string;
  name: string;
  /** The page's location text, exactly. */
  location: string;
  entity?: string;
  address?: string;
  /** Field names it has access to (any purpose). */
  has: string[];
  /** Field names it does not have access to. */
  hasNot: string[];
  /** Other facts that must be in its entry (purpose, opt-out / opt-in note). */
  facts: string[];
  /** The group the seed lists it in (the page's group key). */
  group: string;
  /** The seed says it gets no personal data at all ("Data Shared: None"). */
  noneShared?: true;
  /** The seed's own words for this vendor. */
  seed: string[];
}

export interface SeedPage {
  seed: string;
  example: string;
  /** Facts about the company and the page. */
  organization: string[];
  groups: string[];
  vendors: SeedVendor[];
}

const NOT_STATED_BY = (company: string) => `not stated by ${company}`;

export const SEED_PAGES: SeedPage[] = [
  {
    seed: 'caplena-third-party-services.md',
    example: 'caplena.yaml',
    organization: ['Caplena', 'the only subprocessor that potentially has full access to the data you upload is Google Cloud'],
    groups: ['Services with (partial) access to personal data', 'Services without access to personal data'],
    vendors: [
      {
        key: 'google-cloud', name: 'Google Cloud', location: 'Netherlands', entity: 'Google Cloud EMEA Limited',
        address: '70 Sir John Rogerson’s Quay, Dublin 2, Ireland', has: ['Uploaded text columns', 'Other uploaded columns'], hasNot: [],
        facts: ['Server infrastructure provider'], group: 'with-access',
        seed: ['Google Cloud is our **server infrastructure provider**', 'Netherlands', 'Google Cloud EMEA Limited, 70 Sir John Rogerson’s Quay, Dublin 2, Ireland'],
      },
      {
        key: 'datadog', name: 'Datadog', location: 'EU', address: '620 8th Ave, 45th Fl, New York, NY 10018 USA',
        has: ['Raw HTTP requests', 'SQL queries', 'Application traces'], hasNot: [],
        facts: ['Application performance and security monitoring', 'ephemeral', 'stored data in structured form'], group: 'with-access',
        seed: ['Application performance & security monitoring', 'The raw requests, SQL queries and application traces', 'The stored data in structured form', '620 8th Ave, 45th Fl, New York, NY 10018 USA'],
      },
      {
        key: 'deepl', name: 'DeepL', location: 'Finland', entity: 'DeepL SE', address: 'Maarweg 165, 50825 Cologne, Germany',
        has: ['Uploaded text columns'], hasNot: ['Name', 'Email address'],
        facts: ['Translation', 'Only while you use Translations'], group: 'with-access',
        seed: ['only when explicitly selected (by activating translations)', 'The text columns', 'Your name, email or any other data', 'Finland', 'DeepL SE, Maarweg 165, 50825 Cologne, Germany'],
      },
      {
        key: 'google-translate', name: 'Google Translate', location: NOT_STATED_BY('Caplena'),
        has: ['Uploaded text columns'], hasNot: [], facts: ['Opt-in'], group: 'with-access',
        seed: ['opt-in (e.g. Google Translate)'],
      },
      {
        key: 'segment', name: 'Segment', location: 'Ireland, EU', entity: 'Twilio Germany GmbH', address: 'Rosenheimer Str. 143C, 81671 München',
        has: ['Name', 'Email address', 'Pages visited in the app', 'Actions in the app'], hasNot: ['Uploaded text columns', 'Other uploaded columns'],
        facts: ['Customer data platform'], group: 'with-access',
        seed: ['Customer data platform', 'Ireland / EU', 'Twilio Germany GmbH, Rosenheimer Str. 143C, 81671 München'],
      },
      {
        key: 'customer-io', name: 'Customer.io', location: 'EU', address: '921 SW Washington St No 820, Portland, Oregon, 97205, United States',
        has: ['Name', 'Email address', 'Pages visited in the app', 'Actions in the app'], hasNot: ['Uploaded text columns', 'Other uploaded columns'],
        facts: ['Automated messaging and email platform'], group: 'with-access',
        seed: ['Automated messaging & email platform', 'European Union', '921 SW Washington St No 820, Portland, Oregon, 97205, United States'],
      },
      {
        key: 'intercom', name: 'Intercom', location: 'United States', entity: 'Intercom', address: '55 2nd Street, 4th Floor, San Francisco, CA 94105',
        has: ['Name', 'Email address', 'Messages with the team', 'Pages visited in the app'], hasNot: ['Uploaded text columns', 'Other uploaded columns'],
        facts: ['chat', 'help center'], group: 'with-access',
        seed: ['Powers our chat and the help center', 'USA', 'Intercom, 55 2nd Street, 4th Floor, San Francisco, CA 94105'],
      },
      {
        key: 'stripe', name: 'Stripe', location: NOT_STATED_BY('Caplena'), entity: 'Stripe Payments Europe Ltd.', address: 'Block 4, Harcourt Centre, Harcourt Road, Dublin 2, Ireland',
        has: ['Payment card', 'Billing address', 'Name', 'Invoice items', 'Pages visited in the app'], hasNot: ['Uploaded text columns', 'Other uploaded columns'],
        facts: ['PCI DSS'], group: 'with-access',
        seed: ['payments processor', 'credit card details', 'address, name, invoice items and partially browsing behaviour', 'Stripe Payments Europe Ltd., Block 4, Harcourt Centre, Harcourt Road, Dublin 2, Ireland'],
      },
      {
        key: 'logrocket', name: 'LogRocket', location: NOT_STATED_BY('Caplena'),
        has: ['Session recording', 'Project metadata', 'Topics'], hasNot: ['Name', 'Email address', 'Uploaded text columns'],
        facts: ['Opt-out', 'find bugs and support users'], group: 'with-access',
        seed: ['Enables us to find bugs and support users', 'Your name, email or the data you upload & process (except for topics)', 'You can opt-out from being tracked by logrocket'],
      },
      {
        key: 'close', name: 'Close', location: NOT_STATED_BY('Caplena'),
        has: ['Name', 'Email address', 'Messages with the team'], hasNot: ['Uploaded text columns', 'Other uploaded columns'],
        facts: ['CRM'], group: 'with-access',
        seed: ['Our CRM tool', 'Your name, email address and conversations you have had with our team'],
      },
      {
        key: 'userpilot', name: 'Userpilot', location: NOT_STATED_BY('Caplena'),
        has: ['Pages visited in the app', 'Pseudonymous user id', 'Subscription', 'Browser', 'Operating system'], hasNot: ['Uploaded text columns'],
        facts: ['tutorials and feature highlights'], group: 'without-access',
        seed: ['Powers our tutorials and feature highlights', 'your anonymous user id, your type of subscription and your browser vendor & OS'],
      },
      {
        key: 'google-analytics', name: 'Google Analytics', location: NOT_STATED_BY('Caplena'),
        has: ['Pages visited in the app', 'Browser', 'Device type', 'Approximate location', 'Acquisition channel'], hasNot: ['Name', 'Email address'],
        facts: ['behaviour of users'], group: 'without-access',
        seed: ['Enables us to understand the behaviour of users', 'your browser type and version, device type, your location and through which channel you accessed Caplena'],
      },
      {
        key: 'linkedin', name: 'LinkedIn Insight Tag', location: NOT_STATED_BY('Caplena'),
        has: ['Pages visited on the public website'], hasNot: ['Pages visited in the app', 'Name', 'Email address'],
        facts: ['ads'], group: 'without-access',
        seed: ['how our ads from Linkedin perform', 'only loaded on public pages, not in the App itself', 'Pages you visit in the app, your name, email or any other data'],
      },
    ],
  },
  {
    seed: 'miso-subprocessors.md',
    example: 'miso.yaml',
    organization: ['Miso', 'GDPR-compliant data processing agreements'],
    groups: ['Subprocessors operating within the EU/EEA', 'Subprocessors operating outside the EU/EEA'],
    vendors: [
      { key: 'auth0', name: 'Auth0', location: 'EU', has: ['Name', 'Email address'], hasNot: [], facts: ['Login and user profile'], group: 'eea', seed: ['[Auth0](https://auth0.com). Login and user profile'] },
      { key: 'microsoft-365', name: 'Microsoft 365', location: 'EU', has: ['Actions in the app', 'Messages with the team'], hasNot: [], facts: ['Email and office', 'Opt-in'], group: 'eea', seed: ['email and office', 'analysing data about actions you take'] },
      { key: 'microsoft-azure', name: 'Microsoft Azure', location: 'EU', has: ['Case data', 'Activity logs'], hasNot: [], facts: ['Hosting', 'only place case data is stored', 'encrypted'], group: 'eea', seed: ['Azure provides the hosting', 'Azure is the only place we store your case data', 'transmitted and stored encrypted'] },
      { key: 'capsule', name: 'Capsule', location: 'EU', has: ['Name', 'Email address', 'Messages with the team'], hasNot: ['Case data'], facts: ['CRM'], group: 'eea', seed: ['We use this to store your name, contact\n    details and the content of communications'] },
      { key: 'zendesk', name: 'Zendesk', location: NOT_STATED_BY('Miso'), has: ['Messages with the team'], hasNot: ['Case data'], facts: ['support requests', 'community forum'], group: 'third-country', seed: ['All our customer support request go through', 'community forum'] },
      { key: 'cloudflare', name: 'Cloudflare', location: NOT_STATED_BY('Miso'), has: ['IP address'], hasNot: ['Case data'], facts: ['images and code', 'security and performance'], group: 'third-country', seed: ['images and code and **not** case data', 'security and performance'] },
      { key: 'chargebee', name: 'Chargebee', location: NOT_STATED_BY('Miso'), has: ['Billing address', 'Subscription'], hasNot: ['Payment card'], facts: ['credit card details'], group: 'third-country', seed: ['Your billing address and contact details', 'We do not store your credit card details in\n    Chargebee'] },
      { key: 'stripe', name: 'Stripe', location: NOT_STATED_BY('Miso'), has: ['Payment card', 'Wallet payment data'], hasNot: [], facts: ['PCI DSS', 'Apple Pay'], group: 'third-country', seed: ['PCI-DSS payment gateway', 'Apple Pay'] },
      { key: 'sendgrid', name: 'SendGrid', location: NOT_STATED_BY('Miso'), has: ['Email address', 'Email message'], hasNot: [], facts: ['reset', 'invitation'], group: 'third-country', seed: ['reset\n    your password or an invitation'] },
    ],
  },
  {
    seed: 'qase-subprocessors.md',
    example: 'qase.yaml',
    organization: ['Qase', 'evaluates their privacy, security, and confidentiality practices'],
    groups: ['Core infrastructure subprocessors', 'Other subprocessors'],
    vendors: [
      { key: 'aws', name: 'Amazon Web Services', location: 'United States', entity: 'Amazon Web Services, Inc.', has: [], hasNot: [], facts: ['Cloud infrastructure'], group: 'core-infrastructure', seed: ['[Amazon Web Services, Inc.](https://aws.amazon.com/)', 'Cloud infrastructure'] },
      { key: 'zendesk', name: 'Zendesk', location: 'United States', entity: 'Zendesk, Inc.', has: [], hasNot: [], facts: ['Customer support services'], group: 'other', seed: ['[Zendesk, Inc.](https://www.zendesk.com/)'] },
      { key: 'hubspot', name: 'HubSpot', location: 'United States', entity: 'Hubspot, Inc.', has: [], hasNot: [], facts: ['Customer support services'], group: 'other', seed: ['[Hubspot, Inc.](https://www.hubspot.com/)'] },
      { key: 'intercom', name: 'Intercom', location: 'United States', entity: 'Intercom, Inc.', has: [], hasNot: [], facts: ['Customer support services'], group: 'other', seed: ['[Intercom, Inc.](https://www.intercom.com/)'] },
      { key: 'calendly', name: 'Calendly', location: 'United States', entity: 'Calendly, Inc.', has: [], hasNot: [], facts: ['Customer support services'], group: 'other', seed: ['[Calendly, Inc.](https://calendly.com/)'] },
      { key: 'stripe', name: 'Stripe', location: 'United States', entity: 'Stripe, Inc.', has: [], hasNot: [], facts: ['Payment processing', 'analytics services, and other business services'], group: 'other', seed: ['[Stripe, Inc.](https://stripe.com/)', 'Payment processing, data, technology and analytics services, and other business services'] },
      { key: 'salesforce', name: 'Salesforce', location: 'United States', entity: 'Salesforce, Inc.', has: [], hasNot: [], facts: ['Customer support services'], group: 'other', seed: ['[Salesforce, Inc.](https://www.salesforce.com/)'] },
    ],
  },
  {
    seed: 'numberz-subprocessors.txt',
    example: 'numberz.yaml',
    organization: ['Numberz', 'CHARGEBEE INC.'],
    groups: ['Subprocessors we share personal data with', 'Subprocessors we share no personal data with'],
    vendors: [
      { key: 'aws', name: 'Amazon Web Services', location: NOT_STATED_BY('Numberz'), has: [], hasNot: [], noneShared: true, facts: ['Hosting', 'explicit approval'], group: 'none', seed: ['Amazon Web Services (AWS)', 'Data Shared | None.', 'without explicit approval from Numberz'] },
      { key: 'sendgrid', name: 'SendGrid', location: NOT_STATED_BY('Numberz'), has: ['Email address', 'Email message'], hasNot: [], facts: ['user- and system-generated email messages'], group: 'shared', seed: ['Sendgrid', 'Data Shared | Email Address, Email Message', 'Delivery of user and system generated email messages'] },
      { key: 'quickbooks', name: 'QuickBooks', location: 'India', has: ['Name', 'Email address', 'Phone number', 'Messages with the team'], hasNot: ['Financial records'], facts: ['accounting', 'CRM'], group: 'shared', seed: ['Quick Books, India – financial accounting, cloud accounting & CRM', 'do not have direct access to data that you have shared with us'] },
    ],
  },
];
