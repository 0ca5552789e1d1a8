import { createClient } from 'channel-link';
console.log(createClient);
